import type { Logger } from '../core/logger.js';
import type { TableJob } from './capture-service.js';

/**
 * One table's capture until `signal` aborts: open (waiting for the table's lock), drain, wait for
 * the next tick, again; then close, which releases the table's lock. Shared by `cdc run`, which
 * runs every table at once, and `cdc worker`, which runs the tables BullMQ gives it. Throws the
 * table's first non-retryable error (after closing).
 */
export async function runTable(job: TableJob, signal: AbortSignal, logger: Logger): Promise<void> {
  const { pipeline, ticker } = job;
  // A shutdown while the source is still opening (e.g. waiting for the previous process's table
  // lock) is a clean stop, not a failure.
  if (!(await pipeline.open(signal))) return;
  logger.info({ table: pipeline.table }, 'capturing');
  try {
    while (!signal.aborted) {
      const n = await pipeline.drain(signal);
      if (n > 0) logger.debug({ table: pipeline.table, events: n }, 'drained');
      if (!signal.aborted) await ticker.next(signal);
    }
  } finally {
    ticker.stop();
    await pipeline.close().catch((err) => logger.warn({ table: pipeline.table, err: (err as Error).message }, 'close failed'));
  }
}
