import { setMaxListeners } from 'node:events';
import type { Logger } from '../core/logger.js';
import type { Sink } from '../core/sink.js';
import type { TablePipeline } from '../pipeline/table-pipeline.js';
import type { Ticker } from './ticker.js';
import type { BackgroundTask } from '../snapshot/snapshot-task.js';
import { runTable } from './table-loop.js';

export interface TableJob {
  pipeline: TablePipeline;
  ticker: Ticker;
  /**
   * The same table with a new source and ticker. A source is opened once and closed once, so a
   * worker that owns a table again after handing it over (docs/workers.md) runs a fresh one.
   */
  fresh?: () => TableJob;
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

  private loop(job: TableJob, signal: AbortSignal): Promise<void> {
    return runTable(job, signal, this.logger);
  }
}
