/**
 * A database error met while knex ran a query on one of cdc's connections. knex rewrites the
 * message of an error that passes through it (it prepends the whole SQL text, here a migration
 * script), so the knex clients throw this wrapper instead and migrate.ts hands the untouched
 * original on: its one-line message and its code (retryable or not, privilege) stay as the driver
 * made them.
 */
export class KnexDriverError extends Error {
  constructor(readonly original: unknown) {
    super('database error (see original)');
  }
}

/** The driver's own error when `err` is (or was caused by) a KnexDriverError; `err` otherwise. */
export function unwrapDriverError(err: unknown): unknown {
  return err instanceof KnexDriverError ? err.original : err;
}

/** A knex query-object of a migration script: `knex.raw(sql)` without bindings. */
export function isScript(obj: unknown): obj is { sql: string; response?: unknown } {
  const o = obj as { method?: unknown; bindings?: unknown[] } | null;
  return typeof o === 'object' && o !== null && o.method === 'raw' && (o.bindings?.length ?? 0) === 0;
}
