import { createHash } from 'node:crypto';
import type { TransactionMark } from './transaction-mark.js';
import type { TypedDocuments } from './typed-documents.js';

/** A row image: column name → value mapped by the type-fidelity rules (see README "Type fidelity"). */
export type Row = Record<string, unknown>;

export type Operation = 'INSERT' | 'UPDATE' | 'DELETE' | 'SNAPSHOT' | 'TRUNCATE';

export type CaptureMode = 'trigger' | 'poll' | 'wal' | 'binlog' | 'oplog';

export interface EventSource {
  mode: CaptureMode;
  /** Opaque per-change position, meaningful only to the adapter of `mode`. */
  position: string;
  [extra: string]: unknown;
}

/**
 * The message value: one schema for every capture mode. Field names are part of the public
 * contract (README "Event format", schema/change-event.schema.json) — do not rename.
 */
export interface ChangeEvent {
  event_id: string;
  source_db: string;
  table_name: string;
  operation: Operation;
  before_data: Row | null;
  after_data: Row | null;
  primary_key: Row | null;
  timestamp: string;
  transaction_id: string | null;
  sequence_number: string;
  source: EventSource;
  schema_version: number;
}

/**
 * What a capture source hands to the pipeline. The pipeline turns it into a ChangeEvent by adding
 * source_db, table_name, event_id, sequence_number and schema_version.
 */
export interface CapturedChange {
  operation: Operation;
  before: Row | null;
  after: Row | null;
  primaryKey: Row | null;
  /** ISO-8601 UTC with at least millisecond precision. */
  timestamp: string;
  transactionId: string | null;
  /**
   * Identifies this change uniquely and stably within its table and capture generation; the
   * event_id is derived from it, so a redelivered change gets the same event_id.
   */
  changeId: string;
  /** Opaque position of this change, copied into event.source.position. */
  position: string;
  /** Extra adapter fields for event.source (e.g. { txid, lsn }). */
  sourceExtra?: Record<string, unknown>;
  /**
   * Set when this one change cannot become an event (a value beyond the decoders' limits,
   * ValueLimitError): why, in one line. `before`/`after` are then null and `primaryKey` is what
   * is known of the key (or null); `position` still names the change. The pipeline hands it to
   * the sink's oversize policy (Sink.reject) in its place in the order, so the changes behind it
   * are delivered.
   */
  failure?: string;
  /**
   * Where the change sits in its transaction, from modes that see transactions whole (wal,
   * binlog); the Debezium format's `provide.transaction.metadata` uses it. Never part of the
   * native event.
   */
  transaction?: TransactionMark;
  /** The images with their source types (MongoDB), for the Debezium format; never part of the native event. */
  documents?: TypedDocuments;
}

/**
 * Deterministic event id: a name-based UUID (SHA-1, version 5 layout) of the source, table, mode and
 * the adapter's stable change id. Same change → same id, also when redelivered after a crash.
 */
export function deriveEventId(sourceId: string, table: string, mode: CaptureMode, changeId: string): string {
  const h = createHash('sha1').update(`${sourceId}\u0000${table}\u0000${mode}\u0000${changeId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function toChangeEvent(
  change: CapturedChange,
  ctx: { sourceId: string; tableName: string; mode: CaptureMode; sequence: bigint; schemaVersion: number },
): ChangeEvent {
  return {
    event_id: deriveEventId(ctx.sourceId, ctx.tableName, ctx.mode, change.changeId),
    source_db: ctx.sourceId,
    table_name: ctx.tableName,
    operation: change.operation,
    before_data: change.before,
    after_data: change.after,
    primary_key: change.primaryKey,
    timestamp: change.timestamp,
    transaction_id: change.transactionId,
    sequence_number: ctx.sequence.toString(),
    source: { mode: ctx.mode, position: change.position, ...change.sourceExtra },
    schema_version: ctx.schemaVersion,
  };
}
