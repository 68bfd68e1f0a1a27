import type { ExtraRecord } from '../../core/sink.js';
import type { TransactionMark } from '../../core/transaction-mark.js';
import type { ConnectSchema } from './connect-schema.js';
import { writeJson } from './json-writer.js';

/**
 * Debezium's `provide.transaction.metadata` (docs/debezium-format.md, "Transaction metadata"):
 * the `transaction` block of a data event, and the BEGIN/END records of `<topic.prefix>.transaction`
 * that go before a transaction's first event and after its last. Shapes and schemas as Debezium
 * Server 3.6 writes them (test/compat/debezium-transactions.compat.ts).
 */
export function transactionBlock(mark: TransactionMark): Record<string, unknown> {
  return { id: mark.id, total_order: mark.totalOrder, data_collection_order: mark.collectionOrder };
}

const KEY_SCHEMA: ConnectSchema = {
  type: 'struct',
  fields: [{ type: 'string', optional: false, field: 'id' }],
  optional: false,
  name: 'io.debezium.connector.common.TransactionMetadataKey',
  version: 1,
};

const VALUE_SCHEMA: ConnectSchema = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'status' },
    { type: 'string', optional: false, field: 'id' },
    { type: 'int64', optional: true, field: 'event_count' },
    {
      type: 'array',
      items: {
        type: 'struct',
        fields: [
          { type: 'string', optional: false, field: 'data_collection' },
          { type: 'int64', optional: false, field: 'event_count' },
        ],
        optional: true,
        name: 'event.collection',
        version: 1,
      },
      optional: true,
      field: 'data_collections',
    },
    { type: 'int64', optional: false, field: 'ts_ms' },
  ],
  optional: false,
  name: 'io.debezium.connector.common.TransactionMetadataValue',
  version: 1,
};

const KEY_SCHEMA_TEXT = writeJson(KEY_SCHEMA);
const VALUE_SCHEMA_TEXT = writeJson(VALUE_SCHEMA);

/** The BEGIN record before the event and the END record after it, as the mark asks. */
export function transactionRecords(mark: TransactionMark, prefix: string, schemas: boolean): ExtraRecord[] {
  const topic = `${prefix}.transaction`;
  const tsMs = Date.parse(mark.timestamp);
  const record = (position: ExtraRecord['position'], id: string, value: Record<string, unknown>): ExtraRecord => {
    const key = { id };
    return {
      position,
      topic,
      key: schemas ? `{"schema":${KEY_SCHEMA_TEXT},"payload":${writeJson(key)}}` : writeJson(key),
      value: schemas ? `{"schema":${VALUE_SCHEMA_TEXT},"payload":${writeJson(value)}}` : writeJson(value),
    };
  };
  const out: ExtraRecord[] = [];
  if (mark.begin) out.push(record('before', mark.id, { status: 'BEGIN', id: mark.id, event_count: null, data_collections: null, ts_ms: tsMs }));
  if (mark.end) {
    const id = mark.endId ?? mark.id;
    const collections = mark.end.collections.map((c) => ({ data_collection: c.name, event_count: c.eventCount }));
    out.push(record('after', id, { status: 'END', id, event_count: mark.end.eventCount, data_collections: collections, ts_ms: tsMs }));
  }
  return out;
}
