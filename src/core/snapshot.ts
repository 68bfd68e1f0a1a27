/**
 * Initial snapshots (`cdc snapshot`, docs/snapshots.md): every existing row of a captured table
 * emitted as a SNAPSHOT event, in key order, chunk by chunk, into the same stream the table's
 * changes flow through — so the pipeline that delivers changes delivers the snapshot too, in one
 * order, and no change is lost or doubled at the hand-over.
 */

export type SnapshotState = 'running' | 'done';

/** What `cdc status` and the progress bar show; persisted per table by the adapter. */
export interface SnapshotProgress {
  table: string;
  state: SnapshotState;
  /** Rows emitted so far. */
  rowsDone: number;
  /** The planner's row count when the snapshot started: for a progress bar, never a bound. */
  rowsEstimate: number;
  chunks: number;
  /** The key of the last row covered, one text value per key column; null before the first chunk. */
  lastKey: string[] | null;
  /** ISO-8601 UTC. */
  startedAt: string;
  finishedAt: string | null;
}

export interface SnapshotOptions {
  /** Rows per chunk: one short transaction each, holding share locks on those rows only. */
  chunkSize: number;
  /** Start over even if an earlier snapshot of the table finished or was interrupted. */
  restart?: boolean;
  /** Called after every chunk (and once at the start) with the persisted progress. */
  onProgress?: (progress: SnapshotProgress) => void;
  /** Checked between chunks: an aborted snapshot stops after its current chunk, resumable. */
  signal?: AbortSignal;
  /** Called before a failed chunk is tried again (deadlock with a writer, lost connection). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * One table's snapshot as an adapter implements it. The runner (src/snapshot/run-snapshot.ts)
 * drives it; every method's effect is durable when it returns.
 */
export interface SnapshotTarget {
  readonly table: string;
  /**
   * Takes the table's exclusive snapshot lock (one snapshot per table at a time, across processes)
   * and returns its release; throws UserInputError when another process holds it.
   */
  lock(): Promise<() => Promise<void>>;
  /** The persisted progress, or null when the table was never snapshotted. */
  load(): Promise<SnapshotProgress | null>;
  /** Records a fresh snapshot (state running, no key yet, a new row estimate), replacing any old one. */
  start(): Promise<SnapshotProgress>;
  /**
   * Emits the rows after `progress.lastKey` up to the chunk's boundary and advances the persisted
   * progress in the same transaction. Returns state `done` once nothing is left after the key.
   */
  nextChunk(progress: SnapshotProgress, chunkSize: number): Promise<SnapshotProgress>;
}

export const DEFAULT_SNAPSHOT_CHUNK_SIZE = 2000;
