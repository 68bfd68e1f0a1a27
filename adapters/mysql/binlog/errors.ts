import { FatalCaptureError, TransientError } from '../../../src/core/errors.js';

const code = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? '');
const errno = (err: unknown): number => Number((err as { errno?: unknown } | null)?.errno ?? 0);

/**
 * Turns a failure of the binlog stream into what the pipeline acts on: a TransientError is
 * retried (server restart, network), a FatalCaptureError stops `cdc run` with one actionable line
 * (changes would otherwise be skipped). `where` names the coordinate the stream was reading from.
 */
export function streamError(err: unknown, where: string): Error {
  const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  // 1236 ER_MASTER_FATAL_ERROR_READING_BINLOG: the file was purged, or the position is invalid.
  if (errno(err) === 1236 || code(err) === 'ER_MASTER_FATAL_ERROR_READING_BINLOG') {
    return new FatalCaptureError(
      `the binlog at ${where} is no longer readable (purged by binlog_expire_logs_seconds/PURGE BINARY LOGS?): ${message}; ` +
        'move the table to trigger capture and back (cdc upgrade) to start from a new position',
      { cause: err },
    );
  }
  if (['ER_ACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR'].includes(code(err))) {
    return new FatalCaptureError(`cannot read the binlog: ${message}; the cdc user needs REPLICATION SLAVE and REPLICATION CLIENT`, { cause: err });
  }
  if (/^(Insufficient permissions to access|Unsupported type)/.test(message)) {
    return new FatalCaptureError(`cannot decode the binlog at ${where}: ${message}`, { cause: err });
  }
  return new TransientError(`binlog stream failed at ${where}: ${message}`, { cause: err });
}
