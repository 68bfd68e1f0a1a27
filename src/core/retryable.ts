import { ConfigError, FatalCaptureError, TransientError, UserInputError } from './errors.js';

/**
 * Which failures are worth retrying. A CDC service must ride out a restarting database or broker
 * (retry with backoff, lose nothing), but must stop on bad input or on data it cannot deliver.
 *
 * Known-permanent: our own UserInputError/ConfigError/FatalCaptureError, authentication failures and
 * missing objects. Everything else is retried: drivers report a server restart with many shapes of
 * error (pg's "Connection terminated unexpectedly" has no code at all), so an allow-list of transient
 * errors would turn a routine failover into an outage.
 */
const PERMANENT_CODES = new Set([
  // PostgreSQL SQLSTATEs
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name (database does not exist)
  '42P01', // undefined_table
  '42703', // undefined_column
  '42501', // insufficient_privilege
  // MySQL/MariaDB
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_NO_SUCH_TABLE',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
]);

export function isRetryable(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  if (err instanceof UserInputError || err instanceof ConfigError || err instanceof FatalCaptureError) return false;
  // A stack overflow is deterministic: a retry repeats it forever (a deep jsonb value once wedged
  // a table that way). Other RangeErrors stay retryable: a protocol decoder may raise one on a
  // connection cut mid-message.
  if (err instanceof RangeError && /Maximum call stack size exceeded/.test(err.message)) return false;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && PERMANENT_CODES.has(code)) return false;
  const name = (err as { name?: unknown } | null)?.name;
  // kafkajs marks protocol errors it considers permanent; connection and timeout errors are retriable.
  if (typeof name === 'string' && name.startsWith('KafkaJS')) {
    const retriable = (err as { retriable?: unknown }).retriable;
    if (name === 'KafkaJSProtocolError' && retriable === false) return false;
  }
  return true;
}
