import type { ChangeEvent, Operation } from '../core/change-event';
import type { EncodedMessage } from '../core/sink';
import { eventHeaders, messageKey } from './native';

const OP: Record<Operation, string> = { INSERT: 'c', UPDATE: 'u', DELETE: 'd', SNAPSHOT: 'r', TRUNCATE: 't' };

const CONNECTOR: Record<string, string> = {
  trigger: 'cdc-trigger',
  poll: 'cdc-poll',
  wal: 'postgresql',
  binlog: 'mysql',
  oplog: 'mongodb',
};

/**
 * The Debezium envelope as Debezium's JSON converter writes it with `schemas.enable=false`:
 * `{ before, after, source, op, ts_ms, transaction }`. `source` carries Debezium's common fields
 * (version, connector, name, ts_ms, snapshot, db, schema, table, txId) plus our position and
 * sequence so consumers can still deduplicate and order.
 */
export function toDebeziumEnvelope(event: ChangeEvent): Record<string, unknown> {
  const dot = event.table_name.indexOf('.');
  const schemaOrDb = dot >= 0 ? event.table_name.slice(0, dot) : null;
  const table = dot >= 0 ? event.table_name.slice(dot + 1) : event.table_name;
  const tsMs = Date.parse(event.timestamp);
  return {
    before: event.before_data,
    after: event.after_data,
    source: {
      version: 'cdc-0.1',
      connector: CONNECTOR[event.source.mode] ?? event.source.mode,
      name: event.source_db,
      ts_ms: tsMs,
      snapshot: event.operation === 'SNAPSHOT' ? 'true' : 'false',
      db: event.source_db,
      schema: schemaOrDb,
      table,
      txId: event.transaction_id,
      position: event.source.position,
      mode: event.source.mode,
      sequence: event.sequence_number,
      event_id: event.event_id,
    },
    op: OP[event.operation],
    ts_ms: Date.now(),
    transaction: null,
  };
}

export function encodeDebezium(event: ChangeEvent): EncodedMessage {
  return { key: messageKey(event), value: Buffer.from(JSON.stringify(toDebeziumEnvelope(event))), headers: eventHeaders(event) };
}
