import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveEventId, toChangeEvent, type CapturedChange } from '../../src/core/change-event.js';
import { encodeNative, messageKey } from '../../src/format/native.js';
import { debeziumEncoder, toDebeziumEnvelope } from '../../src/format/debezium/index.js';
import { topicName } from '../../src/core/topic-name.js';

const change: CapturedChange = {
  operation: 'UPDATE',
  before: { id: 42, name: 'a' },
  after: { id: 42, name: 'b' },
  primaryKey: { id: 42 },
  timestamp: '2026-01-02T03:04:05.123456Z',
  transactionId: '981',
  changeId: 'gen1:17',
  position: '981/17',
};
const ctx = { sourceId: 'shop', tableName: 'public.users', mode: 'trigger' as const, sequence: 12n, schemaVersion: 1 };

test('event_id is deterministic and differs per change, table and source', () => {
  const a = deriveEventId('shop', 'public.users', 'trigger', 'gen1:17');
  assert.equal(a, deriveEventId('shop', 'public.users', 'trigger', 'gen1:17'));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, deriveEventId('shop', 'public.users', 'trigger', 'gen1:18'));
  assert.notEqual(a, deriveEventId('shop', 'public.orders', 'trigger', 'gen1:17'));
  assert.notEqual(a, deriveEventId('other', 'public.users', 'trigger', 'gen1:17'));
});

test('native event carries every contract field', () => {
  const e = toChangeEvent(change, ctx);
  assert.deepEqual(Object.keys(e).sort(), [
    'after_data', 'before_data', 'event_id', 'operation', 'primary_key', 'schema_version', 'sequence_number',
    'source', 'source_db', 'table_name', 'timestamp', 'transaction_id',
  ]);
  assert.equal(e.sequence_number, '12');
  assert.deepEqual(e.source, { mode: 'trigger', position: '981/17' });
  const m = encodeNative(e);
  assert.equal(m.key, '{"id":42}');
  assert.deepEqual(JSON.parse(m.value.toString()), e);
  assert.equal(m.headers['cdc.event_id'], e.event_id);
});

test('TRUNCATE has no key', () => {
  const e = toChangeEvent({ ...change, operation: 'TRUNCATE', before: null, after: null, primaryKey: null }, ctx);
  assert.equal(messageKey(e), null);
});

test('Debezium envelope maps operations and source fields', () => {
  const ops = { INSERT: 'c', UPDATE: 'u', DELETE: 'd', SNAPSHOT: 'r', TRUNCATE: 't' } as const;
  for (const [operation, op] of Object.entries(ops)) {
    const env = toDebeziumEnvelope(toChangeEvent({ ...change, operation: operation as keyof typeof ops }, ctx));
    assert.equal(env.op, op);
  }
  const env = toDebeziumEnvelope(toChangeEvent(change, ctx)) as any;
  assert.deepEqual(env.before, change.before);
  assert.deepEqual(env.after, change.after);
  assert.equal(env.source.schema, 'public');
  assert.equal(env.source.table, 'users');
  // Debezium's JSON types: txId a number; cdc's own fields under source.cdc only.
  assert.equal(env.source.txId, 981);
  assert.equal(env.source.connector, 'postgresql');
  assert.equal(env.source.ts_ms, Date.parse('2026-01-02T03:04:05.123Z'));
  assert.equal(env.source.ts_us, 1767323045123456);
  assert.equal(env.source.sequence, null);
  assert.deepEqual(env.source.cdc, { event_id: env.source.cdc.event_id, mode: 'trigger', position: '981/17', sequence_number: '12' });
  assert.equal(typeof env.ts_ms, 'number');
  assert.equal(typeof env.ts_us, 'number');
});

test('Debezium: a tombstone follows each delete unless tombstones.on.delete is false', () => {
  const del = toChangeEvent({ ...change, operation: 'DELETE', after: null }, ctx);
  assert.equal(debeziumEncoder()(del).followedByTombstone, true);
  assert.equal(debeziumEncoder({ 'tombstones.on.delete': false })(del).followedByTombstone, false);
  assert.equal(debeziumEncoder()(toChangeEvent(change, ctx)).followedByTombstone, false);
});

test('Debezium: the native event, and so its event_id, is unchanged by the format', () => {
  const e = toChangeEvent(change, ctx);
  const before = encodeNative(e).value.toString();
  debeziumEncoder({ 'schemas.enable': true })(e);
  assert.equal(encodeNative(e).value.toString(), before);
});

test('topic names are legal Kafka names and stay distinct when cut', () => {
  assert.equal(topicName('cdc.{source_id}.{table}', 'shop', 'public.users'), 'cdc.shop.public.users');
  assert.equal(topicName('cdc.{source_id}.{table}', 'shop', 'public.We"ird; DROP'), 'cdc.shop.public.We_ird__DROP');
  const long1 = topicName('{table}', 's', 'x'.repeat(300) + '1');
  const long2 = topicName('{table}', 's', 'x'.repeat(300) + '2');
  assert.ok(long1.length <= 249 && long2.length <= 249);
  assert.notEqual(long1, long2);
});

test('Debezium schemas follow the row a transform left: dropped columns go, renamed ones are read off their values', async () => {
  const { attachTableSpec } = await import('../../src/core/table-spec.js');
  const spec = {
    dialect: 'postgres' as const,
    database: 'shop',
    schema: 'public',
    table: 'users',
    keyColumns: ['id'],
    columns: [
      { name: 'id', type: 'int4', nullable: false },
      { name: 'name', type: 'text', nullable: true },
      { name: 'price', type: 'numeric', length: 12, scale: 2, nullable: true },
    ],
  };
  const e = attachTableSpec(toChangeEvent({ ...change, before: null, after: { id: 42, price: '1.00', name_hash: 'ab12', tags: ['x'] } }, ctx), spec);
  const v = JSON.parse(debeziumEncoder({ 'schemas.enable': true, 'topic.prefix': 'p' })(e).value.toString());
  const after = v.schema.fields.find((f: any) => f.field === 'after');
  assert.deepEqual(
    after.fields.map((f: any) => [f.field, f.type, f.name ?? null]),
    [['id', 'int32', null], ['price', 'bytes', 'org.apache.kafka.connect.data.Decimal'], ['name_hash', 'string', null], ['tags', 'string', null]],
  );
  assert.deepEqual(v.payload.after, { id: 42, price: 'ZA==', name_hash: 'ab12', tags: '["x"]' });
  assert.equal(after.name, 'p.public.users.Value');
});

test('the JSON source kept for Debezium is invisible to the native format and to deep equality', async () => {
  const { withJsonSource, jsonSourceOf } = await import('../../src/core/lossless-json.js');
  const canonical = { big: '12345678901234567890', f: 1.5 };
  const kept = withJsonSource({ ...canonical }, '{"big": 12345678901234567890, "f": 1.50}');
  assert.equal(JSON.stringify(kept), JSON.stringify(canonical));
  assert.deepStrictEqual(kept, canonical);
  assert.deepStrictEqual({ ...kept }, canonical);
  assert.equal(jsonSourceOf(kept), '{"big": 12345678901234567890, "f": 1.50}');
  const e = toChangeEvent({ ...change, after: { id: 42, doc: kept } }, ctx);
  assert.equal(encodeNative(e).value.toString(), encodeNative(toChangeEvent({ ...change, after: { id: 42, doc: canonical } }, ctx)).value.toString());
});

test('Debezium skipped.operations: truncates by default, any list of c, u, d, t, or none', async () => {
  const { skippedOperationsFilter } = await import('../../src/format/debezium/skipped.js');
  const ev = (operation: 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE') => toChangeEvent({ ...change, operation }, ctx);
  const kept = (f: ReturnType<typeof skippedOperationsFilter>) => (['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const).filter((op) => !f || f(ev(op)) !== null);
  assert.deepEqual(kept(skippedOperationsFilter()), ['INSERT', 'UPDATE', 'DELETE']);
  assert.deepEqual(kept(skippedOperationsFilter({ 'skipped.operations': 'none' })), ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']);
  assert.deepEqual(kept(skippedOperationsFilter({ 'skipped.operations': 'c,d' })), ['UPDATE', 'TRUNCATE']);
});
