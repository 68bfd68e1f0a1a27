import { UserInputError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { SnapshotTarget } from '../core/snapshot.js';
import { runSnapshot } from './run-snapshot.js';

/** Work `cdc run` does beside the table loops; its failure is logged, never fatal to capture. */
export type BackgroundTask = (signal: AbortSignal) => Promise<void>;

const RETRY_MS = 5_000;

/**
 * `snapshot: initial` (docs/snapshots.md): snapshots a table that was never snapshotted and resumes
 * one that was interrupted, while the table's stream keeps flowing; a finished snapshot is left
 * alone. Another process already snapshotting the table is left to it. Other failures (a restarting
 * database) are retried; the chunk that failed rolled back, so nothing is emitted twice.
 */
export function initialSnapshotTask(openTarget: () => Promise<SnapshotTarget>, chunkSize: number, logger: Logger): BackgroundTask {
  return async (signal) => {
    while (!signal.aborted) {
      try {
        const target = await openTarget();
        let logged = 0;
        const result = await runSnapshot(target, {
          chunkSize,
          signal,
          onRetry: (err, attempt, delayMs) => logger.warn({ attempt, retryInMs: delayMs, err: (err as Error).message }, 'snapshot chunk failed; retrying it'),
          onProgress: (p) => {
            if (p.state === 'running' && Date.now() - logged >= 10_000) {
              logged = Date.now();
              logger.info({ rows: p.rowsDone, estimate: p.rowsEstimate, chunks: p.chunks }, 'initial snapshot in progress');
            }
          },
        });
        if (result.state === 'done') logger.info({ rows: result.rowsDone, chunks: result.chunks, finishedAt: result.finishedAt }, 'initial snapshot done');
        return;
      } catch (err) {
        if (err instanceof UserInputError) {
          logger.warn({ err: err.message }, 'initial snapshot not run');
          return;
        }
        logger.warn({ err: (err as Error).message, retryInMs: RETRY_MS }, 'initial snapshot failed; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RETRY_MS);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
  };
}
