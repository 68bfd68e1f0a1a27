import { isRetryable } from '../core/retryable.js';
import type { SnapshotOptions, SnapshotProgress, SnapshotTarget } from '../core/snapshot.js';
import { Backoff, sleep } from '../pipeline/backoff.js';

/**
 * Runs (or resumes) one table's snapshot to the end, chunk by chunk. A snapshot that finished is
 * returned as it is unless `restart` is set; one that was interrupted continues after its last
 * committed chunk. An abort between chunks returns the progress so far (state `running`).
 */
export async function runSnapshot(target: SnapshotTarget, options: SnapshotOptions): Promise<SnapshotProgress> {
  if (!Number.isSafeInteger(options.chunkSize) || options.chunkSize < 1) {
    throw new Error(`chunk size must be a positive integer, got ${options.chunkSize}`);
  }
  const release = await target.lock();
  try {
    const existing = await target.load();
    let progress = options.restart || existing === null ? await target.start() : existing;
    options.onProgress?.(progress);
    while (progress.state === 'running' && !options.signal?.aborted) {
      progress = await nextChunkRetrying(target, progress, options);
      options.onProgress?.(progress);
    }
    return progress;
  } finally {
    await release();
  }
}

/** How long a chunk keeps failing (deadlocks with writers, a restarting database) before the snapshot gives up. */
const RETRY_FOR_MS = 300_000;

/**
 * One chunk, retried while it fails with something retryable. A failed chunk rolled back as a whole
 * (its rows and its progress commit together), so running it again emits nothing twice. The usual
 * cause is a deadlock: the chunk share-locks rows in key order while a writer locks them in its own.
 */
async function nextChunkRetrying(target: SnapshotTarget, progress: SnapshotProgress, options: SnapshotOptions): Promise<SnapshotProgress> {
  const backoff = new Backoff(100, 5_000);
  const since = Date.now();
  for (;;) {
    try {
      return await target.nextChunk(progress, options.chunkSize);
    } catch (err) {
      if (!isRetryable(err) || Date.now() - since > RETRY_FOR_MS || options.signal?.aborted) throw err;
      const delayMs = backoff.nextDelayMs();
      options.onRetry?.(err, backoff.attempts, delayMs);
      await sleep(delayMs, options.signal);
      if (options.signal?.aborted) return progress; // stopped while waiting: resumable as it is
    }
  }
}

/** Percentage for display; a table that grew past its estimate shows 99 % until it is done. */
export function percentDone(p: SnapshotProgress): number {
  if (p.state === 'done') return 100;
  if (p.rowsEstimate <= 0) return 0;
  return Math.min(99, Math.floor((p.rowsDone / p.rowsEstimate) * 100));
}
