import { FatalCaptureError, TransientError } from '../../../src/core/errors.js';
import { asTransient, oneLine, pgErrorCode } from '../errors.js';

/**
 * What a refused or broken replication stream means for the table. A missing or invalidated slot
 * cannot be waited out: the WAL it would have streamed is gone, so capture stops (FatalCaptureError)
 * rather than carry on past lost changes. A slot in use by another process is waited out, like the
 * trigger source's per-table lock.
 */
export function streamError(err: unknown, slot: string, table: string): unknown {
  const code = pgErrorCode(err);
  const msg = oneLine(err);
  if (code === '55006') {
    return new TransientError(`replication slot ${slot} of table ${table} is in use by another process (${msg}); cdc takes over when it stops`, { cause: err });
  }
  if (code === '42704' || (code === '55000' && /no longer get changes/i.test(msg))) {
    return new FatalCaptureError(
      `WAL capture of ${table} cannot continue: ${msg}. Changes since the last checkpoint are no longer in the WAL; ` +
        `re-create capture with cdc uninstall-triggers and cdc install-triggers`,
      { cause: err },
    );
  }
  return asTransient(err, `WAL stream of ${table} failed`);
}
