import type { SnapshotOptions, SnapshotProgress, SnapshotTarget } from '../core/snapshot';

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
      progress = await target.nextChunk(progress, options.chunkSize);
      options.onProgress?.(progress);
    }
    return progress;
  } finally {
    await release();
  }
}

/** Percentage for display; a table that grew past its estimate shows 99 % until it is done. */
export function percentDone(p: SnapshotProgress): number {
  if (p.state === 'done') return 100;
  if (p.rowsEstimate <= 0) return 0;
  return Math.min(99, Math.floor((p.rowsDone / p.rowsEstimate) * 100));
}
