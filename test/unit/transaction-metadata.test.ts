import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamAssembler, type StreamItem } from '../../adapters/postgres/wal/assembler.js';
import type { ColumnTracker } from '../../adapters/postgres/wal/columns.js';
import { transactionMarks } from '../../adapters/mysql/binlog/transaction-marks.js';
import type { RawChange } from '../../adapters/mysql/binlog/transactions.js';
import { toChangeEvent, type CapturedChange } from '../../src/core/change-event.js';
import { attachTransactionMark, type TransactionMark } from '../../src/core/transaction-mark.js';
import { debeziumEncoder, toDebeziumEnvelope } from '../../src/format/debezium/index.js';

describe('transaction metadata: WAL marks', () => {
  const columns = { types: new Map([['id', { kind: 'int' as const }]]), version: 1, reload: async () => undefined } as unknown as ColumnTracker;
  const relation = { tag: 'relation', relationOid: 7, schema: 'public', name: 't', columns: [], keyColumns: ['id'] } as const;
  const begin = (xid: number, lsn: string) => ({ tag: 'begin', commitLsn: lsn, commitTime: 1_700_000_000_000_000n, xid }) as const;
  const commit = (lsn: string) => ({ tag: 'commit', flags: 0, commitLsn: lsn, commitEndLsn: lsn, commitTime: 0n }) as const;
  const insert = (id: number) => ({ tag: 'insert', relation, new: { id: String(id) } }) as const;
  const snapshotRow = { tag: 'message', transactional: true, messageLsn: '0/1', prefix: 'cdc:snapshot:s', content: Buffer.from(JSON.stringify([['id'], '(9)'])) };

  async function marks(messages: [unknown, string][]): Promise<(string | null)[]> {
    const items: StreamItem[] = [];
    const a = new StreamAssembler(
      {
        table: { schema: 'public', name: 't' },
        tableOid: 7,
        keyColumns: ['id'],
        columns,
        boundary: null,
        switchPrefix: 'cdc:switch:s',
        snapshotPrefix: 'cdc:snapshot:s',
        xidReference: () => 1000n,
        onOmitted: () => undefined,
        onInvalid: () => undefined,
      },
      async (item) => void items.push(item),
    );
    for (const [m, lsn] of messages) await a.handle(m as never, lsn);
    return items.map((i) => {
      if (i.kind !== 'change') return i.kind;
      const t = i.change.transaction;
      if (!t) return `${i.change.operation} -`;
      const end = t.end ? ` END ${t.endId} ${t.end.eventCount} ${JSON.stringify(t.end.collections)}` : '';
      return `${t.id} ${t.totalOrder}/${t.collectionOrder}${t.begin ? ' BEGIN' : ''}${end}`;
    });
  }

  it("ids each event `<xid>:<its LSN>`, counts in order, and marks the last event with the END counts", async () => {
    const got = await marks([
      [begin(900, '0/100'), '0/F0'],
      [insert(1), '0/10'],
      [insert(2), '0/20'],
      [insert(3), '0/30'],
      [commit('0/100'), '0/100'],
      [begin(901, '0/200'), '0/1F0'],
      [insert(4), '0/110'],
      [commit('0/200'), '0/200'],
    ]);
    assert.deepEqual(got, [
      '900:16 1/1 BEGIN',
      '900:32 2/2',
      '900:48 3/3 END 900:256 3 [{"name":"public.t","eventCount":3}]',
      'progress',
      '901:272 1/1 BEGIN END 901:512 1 [{"name":"public.t","eventCount":1}]',
      'progress',
    ]);
  });

  it('keeps snapshot rows out of the counts, and in stream order', async () => {
    const got = await marks([
      [begin(5, '0/300'), '0/2F0'],
      [insert(1), '0/210'],
      [snapshotRow, '0/220'],
      [commit('0/300'), '0/300'],
      [begin(6, '0/400'), '0/3F0'],
      [snapshotRow, '0/310'],
      [commit('0/400'), '0/400'],
    ]);
    assert.deepEqual(got, ['5:528 1/1 BEGIN END 5:768 1 [{"name":"public.t","eventCount":1}]', 'SNAPSHOT -', 'progress', 'SNAPSHOT -', 'progress']);
  });
});

describe('transaction metadata: binlog marks', () => {
  const row = (schema: string, table: string): RawChange => ({ op: 'INSERT', schema, table, before: null, after: { id: 1 }, ts: 0 });
  const tx = (changes: RawChange[], gtid: string | null) => ({ start: { file: 'b.1', pos: 4 }, end: { file: 'b.1', pos: 900 }, gtid, xid: '7', ts: 1_700_000_000_000, changes });

  it('counts every captured table of the transaction: total and per-table order, END counts in first-seen order', () => {
    const changes = [row('shop', 'a'), row('shop', 'b'), row('cdc', 'cdc_snapshot_rows'), row('shop', 'a'), row('shop', 'x')];
    const m = transactionMarks(tx(changes, '0-1-42'), (r) => r.schema === 'shop' && r.table !== 'x');
    assert.deepEqual(
      m.map((x) => (x ? `${x.id} ${x.totalOrder}/${x.collectionOrder}${x.begin ? ' B' : ''}${x.end ? ` E${x.end.eventCount}` : ''}` : null)),
      ['0-1-42 1/1 B', '0-1-42 2/1', null, '0-1-42 3/2 E3', null],
    );
    assert.deepEqual(m[3]!.end!.collections, [
      { name: 'shop.a', eventCount: 2 },
      { name: 'shop.b', eventCount: 1 },
    ]);
  });

  it('without GTIDs, the commit coordinate is the id; nothing counted, no marks', () => {
    assert.equal(transactionMarks(tx([row('s', 't')], null), () => true)[0]!.id, 'b.1:900');
    assert.deepEqual(transactionMarks(tx([row('s', 't')], '0-1-1'), () => false), [undefined]);
  });
});

describe('transaction metadata: the Debezium envelope and records', () => {
  const change: CapturedChange = {
    operation: 'INSERT', before: null, after: { id: 1 }, primaryKey: { id: 1 }, timestamp: '2024-01-01T00:00:00.000Z', transactionId: '900', changeId: 'c', position: 'p',
  };
  const mark: TransactionMark = { id: '900:16', totalOrder: 1, collectionOrder: 1, begin: true, end: { eventCount: 1, collections: [{ name: 'public.t', eventCount: 1 }] }, timestamp: '2024-01-01T00:00:00.000Z', endId: '900:256' };
  const event = () => attachTransactionMark(toChangeEvent(change, { sourceId: 'src', tableName: 'public.t', mode: 'wal', sequence: 1n, schemaVersion: 1 }), mark);

  it('fills the transaction block and writes BEGIN before and END after, only with the option', () => {
    assert.deepEqual(toDebeziumEnvelope(event(), { 'provide.transaction.metadata': true }).transaction, { id: '900:16', total_order: 1, data_collection_order: 1 });
    assert.equal(toDebeziumEnvelope(event()).transaction, null);
    assert.equal(debeziumEncoder()(event()).extraRecords, undefined);
    const records = debeziumEncoder({ 'provide.transaction.metadata': true, 'topic.prefix': 'shop' })(event()).extraRecords!;
    assert.deepEqual(
      records.map((r) => [r.position, r.topic, r.key, r.value]),
      [
        ['before', 'shop.transaction', '{"id":"900:16"}', '{"status":"BEGIN","id":"900:16","event_count":null,"data_collections":null,"ts_ms":1704067200000}'],
        ['after', 'shop.transaction', '{"id":"900:256"}', '{"status":"END","id":"900:256","event_count":1,"data_collections":[{"data_collection":"public.t","event_count":1}],"ts_ms":1704067200000}'],
      ],
    );
  });

  it('keeps the native event unchanged: the mark is invisible to JSON', () => {
    assert.equal(JSON.stringify(event()).includes('900:16'), false);
  });
});
