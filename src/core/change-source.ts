import type { CapturedChange, CaptureMode } from './change-event.js';
import type { SnapshotProgress } from './snapshot.js';
import type { TableRef } from './table-ref.js';

/** One read from a source: changes in emission order and the position that acknowledges them. */
export interface ChangeBatch {
  changes: CapturedChange[];
  /**
   * Opaque checkpoint token covering every change of this batch. Passed back to `ack` once the sink
   * confirmed the batch; only the adapter that produced it parses it.
   */
  ack: AckToken;
}

/** Adapter-private acknowledgement state; the pipeline never looks inside. */
export type AckToken = { readonly __brand?: 'AckToken' } & object;

/**
 * What the sink was given for one batch: change i of the batch carried sequence_number
 * `firstSequence + i` and every event the batch's `schemaVersion`. Sources that retain delivered
 * changes (trigger capture with retention, docs/replay.md) store it so a replay rebuilds the same
 * events; other sources ignore it.
 */
export interface DeliveredBatch {
  firstSequence: bigint;
  schemaVersion: number;
}

/**
 * Streams the changes of one table. Lifecycle, in this order:
 *   open()  — once; resumes after the last acknowledged change (the stored checkpoint).
 *   read()  — repeatedly; never concurrently with itself. May be called again before earlier
 *             batches are acknowledged (the pipeline keeps a bounded window in flight), so the
 *             adapter keeps an in-memory read cursor separate from its durable checkpoint.
 *   ack()   — in the order the batches were read, only after the sink acknowledged every event of
 *             that batch. Makes the checkpoint durable (and may prune what it covers). May run
 *             concurrently with read(). `delivered` tells what the events of the batch carried.
 *   close() — once; after it no other method is called. Unacknowledged batches are redelivered by
 *             the next open(), with the same changeIds.
 * One-time setup (installing triggers, creating slots) is not part of this contract: see `Installer`.
 */
export interface ChangeSource {
  readonly table: TableRef;
  readonly mode: CaptureMode;
  open(): Promise<void>;
  /** Up to `maxChanges` changes; an empty batch means nothing is ready right now. */
  read(maxChanges: number): Promise<ChangeBatch>;
  ack(token: AckToken, delivered?: DeliveredBatch): Promise<void>;
  /** Columns' schema version for events of this table (bumps when the column set changes). */
  schemaVersion(): number;
  /**
   * Why changes of this table are not being captured right now although the source runs (its
   * capture triggers disabled or dropped by the table's owner), or null. Optional: sources that
   * cannot miss changes this way leave it out. The adapter refreshes it during read().
   */
  captureGap?(): string | null;
  close(): Promise<void>;
}

/** Per-table numbers for `cdc status`. */
export interface TableStatus {
  table: string;
  mode: CaptureMode;
  /** Changes captured but not yet acknowledged by the sink. */
  backlog: number;
  checkpoint: string | null;
  /** Age in seconds of the oldest unacknowledged change; 0 when the backlog is empty. */
  lagSeconds: number;
  /** Free-form adapter facts (e.g. retained WAL, oldest open transaction). */
  details?: Record<string, unknown>;
  /** The table's initial snapshot, if one was ever started (`cdc snapshot`). */
  snapshot?: SnapshotProgress;
}
