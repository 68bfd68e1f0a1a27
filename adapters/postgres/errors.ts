import { TransientError } from '../../src/core/errors.js';
import { redactSecrets } from '../../src/logging.js';

/**
 * PostgreSQL failures that go away by themselves: connection loss, server shutting down or
 * starting, too many connections, lock and serialization conflicts. Node network errors too.
 * (Unknown errors are retried by the pipeline anyway, see src/core/retryable.ts; this table is
 * for turning the expected ones into a clear TransientError with context.)
 */
const TRANSIENT_SQLSTATE = /^(08...|57P0[1-3]|53300|53400|40001|40P01|55P03|55006)$/;
const TRANSIENT_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isTransientPgError(err: unknown): boolean {
  const code = pgErrorCode(err);
  if (code && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE.has(code))) return true;
  // node-postgres reports a dropped connection without a code.
  return err instanceof Error && /Connection terminated|connection timeout|timeout expired/i.test(err.message);
}

/** The driver's message on one line, with any URL password masked. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message || String(pgErrorCode(err) ?? err.name) : String(err);
  return redactSecrets(msg.replace(/\s+/g, ' ').trim());
}

/** Wraps expected transient failures with context; anything else is returned unchanged. */
export function asTransient(err: unknown, context: string): unknown {
  return isTransientPgError(err) ? new TransientError(`${context}: ${oneLine(err)}`, { cause: err }) : err;
}
