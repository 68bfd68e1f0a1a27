/**
 * The only database surface the MySQL adapter uses (STYLE rule 4), so nothing outside
 * `mysql2-driver.ts` imports mysql2. Every connection runs the session settings of
 * `mysql2-driver.ts` (UTC time zone, no NO_BACKSLASH_ESCAPES) and returns values without loss:
 * BIGINT/DECIMAL as strings, dates as the server prints them, binary as Buffers, JSON as text.
 */
export type MysqlRow = Record<string, unknown>;
export type SqlParam = string | number | bigint | null | Buffer;

export interface MysqlOk {
  affectedRows: number;
}

export interface MysqlQueryable {
  /** One SELECT-like statement with `?` parameters. */
  rows<R extends object = MysqlRow>(sql: string, params?: readonly SqlParam[]): Promise<R[]>;
  /** One statement that returns no rows (DML, DDL, SET). */
  exec(sql: string, params?: readonly SqlParam[]): Promise<MysqlOk>;
}

/** A connection of its own: session state (GET_LOCK, an open read view) lives with it. */
export interface MysqlSession extends MysqlQueryable {
  /** The server's CONNECTION_ID(), read once when the session was opened. */
  readonly connectionId: number;
  /** True once the connection failed; its session state (locks, transaction) is gone. */
  readonly lost: boolean;
  /** Closes the connection (which also releases its GET_LOCKs and rolls back an open transaction). */
  close(): Promise<void>;
}

export interface MysqlDriver extends MysqlQueryable {
  /** Runs `fn` in START TRANSACTION … COMMIT on one pooled connection; ROLLBACK when it throws. */
  transaction<T>(fn: (q: MysqlQueryable) => Promise<T>): Promise<T>;
  /** A fresh connection outside the pool, so long-held sessions never starve the pool. */
  dedicated(): Promise<MysqlSession>;
  /** The default database of every connection from now on (the pool is replaced). */
  useDatabase(database: string): Promise<void>;
  /** The default database of this driver's connections. */
  readonly database: string;
  end(): Promise<void>;
}
