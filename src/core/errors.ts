/**
 * The few error classes the product raises. Each carries context and `cause`. Rule: an error is
 * either logged or thrown, never both; the CLI prints `message` as one line and exits non-zero.
 */
export class CdcError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user asked for something invalid (bad flag, unknown table, missing key). Not retryable. */
export class UserInputError extends CdcError {}

/** Configuration file or environment is malformed; the message names the key and allowed values. */
export class ConfigError extends CdcError {}

/** A database, broker or network problem that may go away: retry with backoff. */
export class TransientError extends CdcError {}

/** A condition the service must stop on rather than skip data (e.g. an event larger than the broker accepts). */
export class FatalCaptureError extends CdcError {}

/**
 * The database refused for lack of a privilege: SQLSTATE 42501 (PostgreSQL, standard SQL) or a
 * MySQL/MariaDB access-denied error. Told apart so the CLI can say what is missing, not "unexpected".
 */
export function isPrivilegeError(err: unknown): boolean {
  const e = err as { code?: unknown; sqlState?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === '42501' || e.sqlState === '42501') return true;
  return typeof e.code === 'string' && /^ER_\w*ACCESS_DENIED/.test(e.code);
}

/**
 * A value beyond what cdc decodes or serialises (JSON nested deeper or longer than
 * src/core/lossless-json.ts JSON_LIMITS). Concerns one change only: sources that can turn it into
 * a failed change (CapturedChange.failure) do, so the oversize policy applies and the rows behind
 * it are not held up; anywhere else it stops the table like any FatalCaptureError.
 */
export class ValueLimitError extends FatalCaptureError {}

/**
 * Another process took this table over (a newer owner generation, docs/workers.md): this one was
 * paused or cut off past its lease. It must stop draining; its unacknowledged batches are the new
 * owner's to deliver. Not retryable, and not a failure of the table.
 */
export class OwnershipLostError extends FatalCaptureError {}
