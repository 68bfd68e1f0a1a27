import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransactionAssembler, type BinlogTransaction, type RawChange } from '../../adapters/mysql/binlog/transactions.js';

const row = (id: number, op: RawChange['op'] = 'INSERT'): RawChange => ({
  op,
  schema: 'shop',
  table: 'users',
  before: op === 'INSERT' ? null : { id },
  after: op === 'DELETE' ? null : { id },
  ts: 1000,
});

function harness(start = { file: 'bin.000001', pos: 100 }) {
  const txs: BinlogTransaction[] = [];
  const problems: string[] = [];
  const rolledBack: RawChange[][] = [];
  const a = new TransactionAssembler(start, {
    transaction: (tx) => txs.push(tx),
    unsupported: (m) => problems.push(m),
    rolledBack: (c) => rolledBack.push(c),
  });
  return { a, txs, problems, rolledBack };
}

test('MariaDB transactions: rows are held until the XID and carry the boundary before them', () => {
  const { a, txs } = harness();
  a.push({ kind: 'gtid', gtid: '0-1-7', begins: true });
  a.push({ kind: 'rows', changes: [row(1), row(2)] });
  assert.equal(txs.length, 0, 'nothing before the commit');
  assert.deepEqual(a.position, { file: 'bin.000001', pos: 100 }, 'no resume point inside a transaction');
  a.push({ kind: 'event', end: 0 });
  a.push({ kind: 'rows', changes: [row(1, 'UPDATE')] });
  a.push({ kind: 'commit', end: 400, xid: '55', ts: 2000 });
  assert.equal(txs.length, 1);
  assert.deepEqual(txs[0]!.start, { file: 'bin.000001', pos: 100 });
  assert.deepEqual(txs[0]!.end, { file: 'bin.000001', pos: 400 });
  assert.equal(txs[0]!.gtid, '0-1-7');
  assert.equal(txs[0]!.xid, '55');
  assert.deepEqual(txs[0]!.changes.map((c) => c.op), ['INSERT', 'INSERT', 'UPDATE']);
  assert.deepEqual(a.position, { file: 'bin.000001', pos: 400 });

  a.push({ kind: 'gtid', gtid: '0-1-8', begins: true });
  a.push({ kind: 'rows', changes: [row(3)] });
  a.push({ kind: 'commit', end: 600, xid: '56', ts: 2000 });
  assert.deepEqual(txs[1]!.start, { file: 'bin.000001', pos: 400 });
});

test('MySQL shape (GTID, BEGIN, rows, XID), DDL and bookkeeping events move the boundary between transactions', () => {
  const { a, txs } = harness();
  a.push({ kind: 'gtid', gtid: 'uuid:5', begins: false });
  a.push({ kind: 'event', end: 180 });
  assert.deepEqual(a.position, { file: 'bin.000001', pos: 180 }, 'a DDL is a boundary of its own');
  a.push({ kind: 'gtid', gtid: 'uuid:6', begins: false });
  a.push({ kind: 'begin' });
  a.push({ kind: 'rows', changes: [row(1)] });
  a.push({ kind: 'commit', end: 300, xid: '9', ts: 1 });
  assert.equal(txs[0]!.gtid, 'uuid:6');
  assert.deepEqual(txs[0]!.start, { file: 'bin.000001', pos: 180 });
  a.push({ kind: 'event', end: 0 });
  a.push({ kind: 'event', end: 250 });
  assert.deepEqual(a.position, { file: 'bin.000001', pos: 300 }, 'unstamped or stale offsets never move it back');
  a.push({ kind: 'rotate', file: 'bin.000002', pos: 4 });
  assert.deepEqual(a.position, { file: 'bin.000002', pos: 4 });
  a.push({ kind: 'begin' });
  a.push({ kind: 'rows', changes: [row(2)] });
  a.push({ kind: 'commit', end: 500, xid: '10', ts: 1 });
  assert.deepEqual(txs[1]!.end, { file: 'bin.000002', pos: 500 });
  assert.deepEqual(txs[1]!.start, { file: 'bin.000002', pos: 4 });
});

test('a group ending in ROLLBACK (non-transactional tables) is reported, and XA is refused', () => {
  const { a, txs, problems, rolledBack } = harness();
  a.push({ kind: 'gtid', gtid: '0-1-9', begins: true });
  a.push({ kind: 'rows', changes: [row(1)] });
  a.push({ kind: 'rollback', end: 300 });
  assert.equal(txs.length, 0);
  assert.equal(rolledBack.length, 1);
  assert.deepEqual(a.position, { file: 'bin.000001', pos: 300 });
  a.push({ kind: 'begin' });
  a.push({ kind: 'rows', changes: [row(2)] });
  a.push({ kind: 'xa-prepare', end: 500 });
  assert.equal(txs.length, 0);
  assert.match(problems[0]!, /XA/);
});

test('a SAVEPOINT inside a transaction with rows is not a boundary', () => {
  const { a, txs } = harness();
  a.push({ kind: 'gtid', gtid: '0-1-10', begins: true });
  a.push({ kind: 'rows', changes: [row(1)] });
  a.push({ kind: 'event', end: 250 });
  assert.deepEqual(a.position, { file: 'bin.000001', pos: 100 });
  a.push({ kind: 'rows', changes: [row(2)] });
  a.push({ kind: 'commit', end: 400, xid: '1', ts: 1 });
  assert.equal(txs[0]!.changes.length, 2);
});
