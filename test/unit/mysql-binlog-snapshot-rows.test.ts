import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../src/core/logger.js';
import { BinlogDemux } from '../../adapters/mysql/binlog/demux.js';
import type { BinlogReader, ReaderEvents, TableFilter } from '../../adapters/mysql/binlog/reader.js';
import type { RawChange } from '../../adapters/mysql/binlog/transactions.js';
import { formatKey, keyAfterAll, type ChangeKey } from '../../adapters/mysql/binlog/position.js';

/** The demux's routing of cdc_snapshot_rows inserts to their table's queue (docs/snapshots.md, binlog). */

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const START = { file: 'bin.000001', pos: 4 };

function harness() {
  let events: ReaderEvents | null = null;
  const filters: TableFilter[] = [];
  const reader = {
    stateDatabase: 'cdcstate',
    position: null,
    running: false,
    start: (_from: unknown, filter: TableFilter) => void filters.push(filter),
    stop: () => undefined,
  };
  const demux = new BinlogDemux(
    (e) => {
      events = e;
      return reader as unknown as BinlogReader;
    },
    silent,
    { highWater: 1000, lowWater: 10 },
  );
  const commit = (end: number, changes: RawChange[]) =>
    events!.transaction({ start: START, end: { file: START.file, pos: end }, gtid: '0-1-9', xid: '9', ts: 1000, changes });
  return { demux, filters, commit };
}

const userRow = (table: string, id: number): RawChange => ({ op: 'INSERT', schema: 'shop', table, before: null, after: { id }, ts: 1000 });
const snapRow = (table: string, id: number, op: 'INSERT' | 'DELETE' = 'INSERT', schema = 'cdcstate'): RawChange => {
  const image = { id: 77, table_name: table, image: `{"id": ${id}}` };
  return { op, schema, table: 'cdc_snapshot_rows', before: op === 'DELETE' ? image : null, after: op === 'INSERT' ? image : null, ts: 1000 };
};

test('the stream also reads cdc_snapshot_rows of the state database', () => {
  const { demux, filters } = harness();
  demux.subscribe({ schema: 'shop', name: 'items' }, keyAfterAll(START), START);
  demux.poll();
  assert.deepEqual(filters.at(-1), { shop: ['items'], cdcstate: ['cdc_snapshot_rows'] });
});

test('snapshot rows go to their table, counted among its rows in binlog order; their DELETEs are dropped', () => {
  const { demux, commit } = harness();
  const items = demux.subscribe({ schema: 'shop', name: 'items' }, keyAfterAll(START), START);
  const other = demux.subscribe({ schema: 'shop', name: 'other' }, keyAfterAll(START), START);
  commit(500, [
    userRow('items', 1),
    snapRow('shop.items', 2),
    snapRow('shop.other', 3),
    snapRow('shop.items', 4),
    snapRow('shop.items', 2, 'DELETE'),
    snapRow('shop.items', 4, 'DELETE'),
    snapRow('shop.unsubscribed', 5),
    snapRow('shop.items', 6, 'INSERT', 'elsewhere'), // a same-named table of another database is not ours
  ]);
  const got = demux.take(items, 10).map((c) => ({ key: formatKey(c.key), image: c.snapshot?.image ?? null }));
  assert.deepEqual(got, [
    { key: 'bin.000001:500:0', image: null },
    { key: 'bin.000001:500:1', image: '{"id": 2}' },
    { key: 'bin.000001:500:2', image: '{"id": 4}' },
  ]);
  assert.deepEqual(
    demux.take(other, 10).map((c) => [formatKey(c.key), c.snapshot?.table]),
    [['bin.000001:500:0', 'shop.other']],
  );
});

test('a re-read transaction yields the same keys, and a cursor skips what was delivered', () => {
  const { demux, commit } = harness();
  const acked: ChangeKey = { file: START.file, end: 500, ord: 0 };
  const items = demux.subscribe({ schema: 'shop', name: 'items' }, acked, START);
  commit(500, [snapRow('shop.items', 2), snapRow('shop.items', 3), snapRow('shop.items', 2, 'DELETE')]);
  assert.deepEqual(
    demux.take(items, 10).map((c) => [formatKey(c.key), c.snapshot?.image]),
    [['bin.000001:500:1', '{"id": 3}']],
  );
});

test('a snapshot row without its table name stops the stream fatally instead of being dropped', () => {
  const { demux, commit } = harness();
  demux.subscribe({ schema: 'shop', name: 'items' }, keyAfterAll(START), START);
  demux.poll();
  commit(500, [{ ...snapRow('shop.items', 2), after: { id: 1, image: '{}' } }]);
  assert.throws(() => demux.poll(), /cdc_snapshot_rows row without table_name/);
});
