import { TransientError, UserInputError } from '../../src/core/errors.js';

/**
 * Another process holds the table's drain lock. Transient on purpose: a second `cdc run` waits as
 * a hot standby and takes over when the first one stops (or its connection dies).
 */
export class TableBusyError extends TransientError {}

const code = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? '');

/**
 * Turns the server errors an install or uninstall can hit into one actionable line. Privileges
 * are not pre-checked from information_schema: grants through roles (MySQL 8, MariaDB) are not
 * visible there, so a pre-check would reject users who may in fact create triggers. Install
 * instead undoes what it created when a later step fails.
 */
export function ddlError(err: unknown, table: string): Error {
  const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  switch (code(err)) {
    case 'ER_BINLOG_CREATE_ROUTINE_NEED_SUPER':
      return new UserInputError(
        `cannot create triggers on ${table}: binary logging is on and the user lacks SUPER; ` +
          `set log_bin_trust_function_creators=1 (server) or install as a privileged user (${message})`,
        { cause: err },
      );
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_ERROR':
      return new UserInputError(
        `cannot install capture on ${table}: missing privilege; the installing user needs TRIGGER on the table ` +
          `and CREATE, DROP, INSERT, SELECT, DELETE in its schema (${message})`,
        { cause: err },
      );
    case 'ER_LOCK_WAIT_TIMEOUT':
      return new TransientError(
        `timed out waiting for a metadata lock on ${table}: a long transaction is using the table; retry when it has finished`,
        { cause: err },
      );
    default:
      return err instanceof Error ? err : new Error(message);
  }
}
