import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent, Operation, Row } from '../../src/core/change-event.js';
import type { ConsumerOperation } from '../../src/core/consumer-route.js';
import { FatalCaptureError } from '../../src/core/errors.js';
import { compileRouteFilter, newPartitionState, type RouteDecision } from '../../src/consumers/filter.js';
import { assertValidEvent } from '../helpers/event-schema.js';

function event(operation: Operation, table = 'public.users', id = 1): ChangeEvent {
  const row: Row = { id, name: 'Ann', email: 'ann@x.test', status: 'new' };
  return {
    event_id: '00000000-0000-5000-8000-000000000001',
    source_db: 'shop',
    table_name: table,
    operation,
    before_data: operation === 'UPDATE' || operation === 'DELETE' ? { ...row, status: 'old' } : null,
    after_data: operation === 'DELETE' || operation === 'TRUNCATE' ? null : row,
    primary_key: operation === 'TRUNCATE' ? null : { id },
    timestamp: '2024-03-01T10:00:00.000Z',
    transaction_id: '7',
    sequence_number: '1',
    source: { mode: 'trigger', position: '1' },
    schema_version: 1,
  };
}

const encode = (e: unknown) => Buffer.from(JSON.stringify(e));
const filter = (o: { tables?: string[]; columns?: string[]; operations?: ConsumerOperation[] }) =>
  compileRouteFilter({ tables: o.tables ?? [], columns: o.columns ?? [], operations: o.operations ?? [] });
const decide = (f: ReturnType<typeof filter>, e: ChangeEvent): RouteDecision => f.decide(JSON.stringify(e.primary_key), encode(e), newPartitionState());
const forwarded = (d: RouteDecision) => (d.kind === 'forward' && d.value ? (JSON.parse(d.value.toString()) as ChangeEvent) : assert.fail(`expected forward, got ${JSON.stringify(d)}`));

test('operation filter: snapshot reads count as INSERT, TRUNCATE as DELETE', () => {
  const cases: [Operation, ConsumerOperation[], boolean][] = [
    ['INSERT', ['INSERT'], true],
    ['SNAPSHOT', ['INSERT'], true],
    ['SNAPSHOT', ['UPDATE', 'DELETE'], false],
    ['UPDATE', ['INSERT'], false],
    ['UPDATE', ['UPDATE'], true],
    ['DELETE', ['DELETE'], true],
    ['DELETE', ['INSERT', 'UPDATE'], false],
    ['TRUNCATE', ['DELETE'], true],
    ['TRUNCATE', ['INSERT'], false],
    ['TRUNCATE', [], true],
  ];
  for (const [operation, operations, pass] of cases) {
    const e = event(operation);
    const d = compileRouteFilter({ tables: [], columns: [], operations }).decide(null, encode(e), newPartitionState());
    assert.equal(d.kind, pass ? 'forward' : 'drop', `${operation} with ${operations.join(',') || 'no filter'}`);
  }
});

test('table filter matches the qualified name exactly', () => {
  const f = filter({ tables: ['public.users'] });
  assert.equal(decide(f, event('INSERT', 'public.users')).kind, 'forward');
  assert.equal(decide(f, event('INSERT', 'public.orders')).kind, 'drop');
  assert.equal(decide(f, event('INSERT', 'other.users')).kind, 'drop');
  assert.equal(decide(f, event('INSERT', 'public.Users')).kind, 'drop');
});

test('without a column filter the value goes on byte for byte', () => {
  const raw = Buffer.from(`{"event_id":"00000000-0000-5000-8000-000000000001","table_name":"public.users","operation":"INSERT","before_data":null,"after_data":{"id":1,"n":1.50},"primary_key":{"id":1}}`);
  const d = filter({}).decide('{"id":1}', raw, newPartitionState());
  assert.equal(d.kind, 'forward');
  assert.equal((d as { value: Buffer }).value, raw);
});

test('column filter keeps the named columns and every key column, in both images, and the event stays valid', () => {
  for (const operation of ['INSERT', 'SNAPSHOT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const) {
    const e = event(operation);
    const out = forwarded(decide(filter({ columns: ['status', 'missing'] }), e));
    assertValidEvent(out);
    const want = (r: Row | null) => (r === null ? null : { id: r.id, status: r.status });
    assert.deepEqual(out.before_data, want(e.before_data), `${operation} before`);
    assert.deepEqual(out.after_data, want(e.after_data), `${operation} after`);
    assert.deepEqual({ ...out, before_data: null, after_data: null }, { ...e, before_data: null, after_data: null }, `${operation}: the rest unchanged`);
  }
  // A composite key keeps all of its columns even when none is named.
  const composite = { ...event('UPDATE'), primary_key: { id: 1, email: 'ann@x.test' } };
  const out = forwarded(decide(filter({ columns: ['name'] }), composite));
  assert.deepEqual(Object.keys(out.after_data!), ['id', 'name', 'email']);
});

test('a deleted row (before image only) is projected and kept', () => {
  const out = forwarded(decide(filter({ columns: ['name'], operations: ['DELETE'] }), event('DELETE')));
  assert.equal(out.after_data, null);
  assert.deepEqual(out.before_data, { id: 1, name: 'Ann' });
});

test('a tombstone goes on only right behind a delete of the same key that this consumer received', () => {
  const f = filter({ operations: ['DELETE'] });
  const key = '{"id":1}';
  let state = newPartitionState();
  assert.equal(f.decide(key, encode(event('DELETE')), state).kind, 'forward');
  assert.deepEqual(f.decide(key, null, state), { kind: 'forward', value: null });
  assert.equal(f.decide(key, null, state).kind, 'drop', 'a second tombstone has no delete before it');

  state = newPartitionState();
  f.decide(key, encode(event('DELETE')), state);
  assert.equal(f.decide('{"id":2}', null, state).kind, 'drop', 'another key');

  state = newPartitionState();
  assert.equal(filter({ operations: ['INSERT'] }).decide(key, encode(event('DELETE')), state).kind, 'drop');
  assert.equal(filter({ operations: ['INSERT'] }).decide(key, null, state).kind, 'drop', 'its delete was filtered out');

  state = newPartitionState();
  assert.equal(f.decide(key, null, state).kind, 'drop', 'a tombstone with nothing before it');
});

test('what is not a native change event is malformed, with a reason', () => {
  const f = filter({});
  const cases: [string, RegExp][] = [
    ['not json', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['"text"', /not a JSON object/],
    ['{}', /no event_id/],
    [JSON.stringify({ ...event('INSERT'), operation: 'UPSERT' }), /operation "UPSERT"/],
    [JSON.stringify({ ...event('INSERT'), after_data: [1] }), /after_data is neither/],
    [JSON.stringify({ ...event('INSERT'), table_name: 3 }), /no table_name/],
  ];
  for (const [value, reason] of cases) {
    const d = f.decide('{"id":1}', Buffer.from(value), newPartitionState());
    assert.equal(d.kind, 'malformed', value);
    assert.match((d as { reason: string }).reason, reason);
  }
});

test('a Debezium envelope stops the route instead of being skipped', () => {
  const f = filter({});
  const plain = { before: null, after: { id: 1 }, source: { table: 'users' }, op: 'c', ts_ms: 1 };
  for (const value of [plain, { schema: {}, payload: plain }]) {
    assert.throws(() => f.decide('{"id":1}', encode(value), newPartitionState()), (err: unknown) => err instanceof FatalCaptureError && /Debezium/.test((err as Error).message));
  }
});
