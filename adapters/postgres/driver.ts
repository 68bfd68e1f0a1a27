/**
 * The only database surface the PostgreSQL adapter uses, so the rest of the adapter never imports
 * `pg` or PGlite (kysely's dialect-config idea). Queries cast values to text where the two drivers
 * would parse differently (int8, numeric, jsonb), so callers see the same strings from both.
 */
export type PgRow = Record<string, unknown>;

export interface PgQueryable {
  /** One statement with bound parameters. */
  query<R extends object = PgRow>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount?: number | null }>;
  /** A script of several statements, no parameters. */
  exec(sql: string): Promise<void>;
}

/** A connection of its own, for state that lives in a session (advisory locks). */
export interface PgSession extends PgQueryable {
  /** True once the connection failed; session state (locks) is gone with it. */
  readonly lost: boolean;
  release(): Promise<void>;
}

export interface PgDriver extends PgQueryable {
  /** Runs `fn` in BEGIN … COMMIT on one connection; ROLLBACK when it throws. */
  transaction<T>(fn: (q: PgQueryable) => Promise<T>): Promise<T>;
  /**
   * A connection held until released. PGlite has a single connection, so there it is shared, which
   * keeps session-level advisory locks working within the one process that can open the database.
   */
  dedicated(): Promise<PgSession>;
  end(): Promise<void>;
}

/** Settings every cdc session runs with, so text output parses the same everywhere (text decoder). */
export const SESSION_SETTINGS = [
  `SET TimeZone = 'UTC'`,
  `SET DateStyle = 'ISO, YMD'`,
  `SET IntervalStyle = 'postgres'`,
  `SET extra_float_digits = 1`,
  `SET bytea_output = 'hex'`,
].join('; ');
