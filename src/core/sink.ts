import type { ChangeEvent } from './change-event.js';

/**
 * Where events go (Kafka, stdout/JSONL). Lifecycle: open() once, write() many times, close() once.
 *
 * write() resolves only when the destination has durably acknowledged every event of the call
 * (Kafka: acks=all). It rejects if any event was not acknowledged; the caller then retries the whole
 * call, so a sink must tolerate redelivery (the same event_id twice). Events of one table are written
 * in order: the pipeline never has two write() calls for the same table that could reorder (a later
 * call for a table starts only when it may safely follow the earlier one). write() calls for
 * different tables may run concurrently.
 */
export interface Sink {
  open(): Promise<void>;
  write(events: ChangeEvent[]): Promise<void>;
  /**
   * One change that cannot be delivered as an event (CapturedChange.failure: a value beyond the
   * decoders' limits): `event` has no images, `reason` says why. Called between write() calls, in
   * the change's place in the table's order, and retried with them. Applies the sink's oversize
   * policy: `stop` throws FatalCaptureError naming table, key and position; `dead-letter` records
   * the change in the dead-letter topic and resolves, so the changes behind it go on. A sink
   * without this method stops the table (the pipeline throws FatalCaptureError).
   */
  reject?(event: ChangeEvent, reason: string): Promise<void>;
  close(): Promise<void>;
}

/** How an event becomes a message: key, value and headers. Native or Debezium envelope. */
export interface EncodedMessage {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  /**
   * The sink writes a second record right after this one, with the same key and a null value
   * (Debezium's tombstone after a delete, so log compaction can drop the key).
   */
  followedByTombstone?: boolean;
  /**
   * Records for other topics that belong right before or after this one (Debezium's transaction
   * BEGIN/END records): written in that order, before or after the event's own record is acknowledged.
   */
  extraRecords?: ExtraRecord[];
}

export interface ExtraRecord {
  position: 'before' | 'after';
  topic: string;
  key: string;
  value: string;
}

export type EventEncoder = (event: ChangeEvent) => EncodedMessage;

/** "cannot deliver change <position> of table t key {…}: why": names a rejected change in errors and logs. */
/**
 * The record a dead-letter destination gets for a change it cannot deliver: `head` (what went
 * wrong) first, then what identifies the change. Kafka's `<topic>.dlq` and the stdout sink's
 * stderr write the same shape.
 */
export function deadLetterRecord(event: ChangeEvent, head: Record<string, unknown>): Record<string, unknown> {
  return {
    ...head,
    event_id: event.event_id,
    source_db: event.source_db,
    table_name: event.table_name,
    operation: event.operation,
    primary_key: event.primary_key,
    sequence_number: event.sequence_number,
    timestamp: event.timestamp,
    source: event.source,
  };
}

export function describeRejected(event: ChangeEvent, reason: string): string {
  const key = event.primary_key ? ` key ${JSON.stringify(event.primary_key)}` : '';
  return `cannot deliver change ${event.source.position} of table ${event.table_name}${key}: ${reason}`;
}
