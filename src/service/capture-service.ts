import { setMaxListeners } from 'node:events';
import type { Logger } from '../core/logger.js';
import type { Sink } from '../core/sink.js';
import type { TablePipeline } from '../pipeline/table-pipeline.js';
import type { Ticker } from './ticker.js';
import type { BackgroundTask } from '../snapshot/snapshot-task.js';

export interface TableJob {
  pipeline: TablePipeline;
  ticker: Ticker;
}

/** Abort listeners one table may hold on the shared stop signal at the same time (measured: 1–2). */
const LISTENERS_PER_TABLE = 4;

/**
 * Runs every table's poll loop until `signal` aborts (SIGTERM/SIGINT) or a table fails with a
 * non-retryable error, which stops the whole service: a table that cannot deliver must not be
 * silently skipped while the rest carries on.
 */
export class CaptureService {
  constructor(
    private readonly jobs: TableJob[],
    private readonly sink: Sink,
    private readonly logger: Logger,
    /** Runs beside the table loops (initial snapshots); each handles its own failures. */
    private readonly background: BackgroundTask[] = [],
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    const failure = new AbortController();
    const stop = AbortSignal.any([signal, failure.signal]);
    // Every table waits on this one signal (its ticker, its retry backoff, its source): a few
    // listeners per table at once, so Node's default limit of 10 warned of a leak from 4 tables on.
    setMaxListeners(LISTENERS_PER_TABLE * (this.jobs.length + this.background.length) + 10, stop);
    let firstError: unknown = null;
    await Promise.all([
      ...this.jobs.map((job) =>
        this.loop(job, stop).catch((err) => {
          // The first failure is thrown (the CLI prints it as its one line); log or throw, never
          // both. Failures of other tables while stopping are logged.
          if (!firstError) firstError = err;
          else this.logger.error({ table: job.pipeline.table, err: (err as Error).message }, 'table stopped');
          failure.abort();
        }),
      ),
      ...this.background.map((task) => task(stop).catch((err) => this.logger.error({ err: (err as Error).message }, 'background task failed'))),
    ]);
    await this.sink.close();
    if (firstError) throw firstError;
  }

  private async loop(job: TableJob, signal: AbortSignal): Promise<void> {
    const { pipeline, ticker } = job;
    // A shutdown while the source is still opening (e.g. waiting for the previous process's table
    // lock) is a clean stop, not a failure.
    if (!(await pipeline.open(signal))) return;
    this.logger.info({ table: pipeline.table }, 'capturing');
    try {
      while (!signal.aborted) {
        const n = await pipeline.drain(signal);
        if (n > 0) this.logger.debug({ table: pipeline.table, events: n }, 'drained');
        if (!signal.aborted) await ticker.next(signal);
      }
    } finally {
      ticker.stop();
      await pipeline.close().catch((err) => this.logger.warn({ table: pipeline.table, err: (err as Error).message }, 'close failed'));
    }
  }
}
