import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commitTimestamp, StreamAssembler, type StreamItem } from '../../adapters/postgres/wal/assembler.js';
import type { ColumnTracker } from '../../adapters/postgres/wal/columns.js';
import { formatLsn, parseLsn, widenXid } from '../../adapters/postgres/wal/lsn.js';
import { walObjectName } from '../../adapters/postgres/wal/names.js';
import { formatWalCheckpoint, parseWalCheckpoint } from '../../adapters/postgres/wal/position.js';
import { planWalUpgrade, type WalFacts } from '../../adapters/postgres/wal/preflight.js';
import { ItemQueue } from '../../adapters/postgres/wal/queue.js';
import { coveredBy, parseSnapshot, visibleIn } from '../../adapters/postgres/wal/snapshot.js';
import { UserInputError } from '../../src/core/errors.js';

describe('postgres WAL: LSNs, xids and snapshots', () => {
  it('parses and prints LSNs the way PostgreSQL does', () => {
    for (const [text, value, printed] of [
      ['0/16B3748', 0x16b3748n, '0/16B3748'],
      ['00000001/000000FF', (1n << 32n) | 0xffn, '1/FF'],
      ['FFFFFFFF/FFFFFFFF', (1n << 64n) - 1n, 'FFFFFFFF/FFFFFFFF'],
    ] as const) {
      assert.equal(parseLsn(text), value);
      assert.equal(formatLsn(value), printed);
    }
    assert.throws(() => parseLsn('16B3748'));
  });

  it('widens 32-bit xids into the epoch nearest a recent full xid', () => {
    const epoch3 = 3n << 32n;
    assert.equal(widenXid(100, epoch3 + 200n), epoch3 + 100n);
    assert.equal(widenXid(0xfffffff0, epoch3 + 5n), epoch3 - 16n, 'just before an epoch boundary');
    assert.equal(widenXid(5, epoch3 - 16n), epoch3 + 5n, 'just after it');
    assert.equal(widenXid(-2147483648, 0x80000010n), 0x80000000n, 'pgoutput xids read as int32');
  });

  it('applies pg_visible_in_snapshot and tells whether one snapshot covers another', () => {
    const s = parseSnapshot('100:110:102,105');
    assert.deepEqual([99n, 100n, 102n, 105n, 109n, 110n].map((x) => visibleIn(x, s)), [true, true, false, false, true, false]);
    assert.ok(coveredBy(s, parseSnapshot('100:112:102,105,111')));
    assert.ok(coveredBy(s, parseSnapshot('103:120:105')));
    assert.ok(!coveredBy(s, parseSnapshot('100:112:101,102,105')), '101 committed in s, running in the later one');
    assert.ok(!coveredBy(s, parseSnapshot('100:108:102,105')), '108, 109 committed in s, unknown to the other');
    assert.ok(coveredBy(parseSnapshot('100:110:102,105,108,109'), parseSnapshot('100:108:102,105')));
  });

  it('round-trips checkpoints, and names slots per database and table', () => {
    const c = { resume: parseLsn('1/A0'), partial: { commit: parseLsn('1/B8'), ordinal: 200 } };
    assert.deepEqual(parseWalCheckpoint(formatWalCheckpoint(c)), c);
    assert.equal(parseWalCheckpoint('not json'), null);
    const a = walObjectName('shop', { schema: 'public', name: 'Users "x"' });
    assert.match(a, /^cdc_users_x_[0-9a-f]{12}$/);
    assert.notEqual(a, walObjectName('shop2', { schema: 'public', name: 'Users "x"' }));
    assert.ok(walObjectName('d', { schema: 's', name: 'x'.repeat(200) }).length <= 63);
  });

  it('formats commit times with microseconds', () => {
    assert.equal(commitTimestamp(1_700_000_000_123_456n), '2023-11-14T22:13:20.123456Z');
    assert.equal(commitTimestamp(1_700_000_000_000_001n), '2023-11-14T22:13:20.000001Z');
  });
});

describe('postgres WAL: upgrade checks', () => {
  const ok: WalFacts = {
    serverVersionNum: 150000,
    serverVersion: '15.0',
    walLevel: 'logical',
    maxSlots: 10,
    usedSlots: 2,
    maxSenders: 10,
    usedSenders: 2,
    role: 'cdc',
    canReplicate: true,
    replicaIdentity: 'f',
    relkind: 'r',
    slot: null,
    database: 'shop',
  };
  const ctx = { table: 'public.t', quotedTable: '"public"."t"', slot: 'cdc_t_1' };
  const cases: [string, Partial<WalFacts>, RegExp | { dropLeftoverSlot: boolean }][] = [
    ['all good', {}, { dropLeftoverSlot: false }],
    ['wal_level replica', { walLevel: 'replica' }, /wal_level is 'replica'.*ALTER SYSTEM SET wal_level = logical/],
    ['PostgreSQL 13', { serverVersionNum: 130016, serverVersion: '13.16' }, /^WAL capture needs PostgreSQL 14 or later .*PostgreSQL 13\.16: keep .* on trigger capture, or poll it/],
    ['no REPLICATION', { canReplicate: false }, /ALTER ROLE cdc REPLICATION/],
    ['table gone', { relkind: null }, /does not exist/],
    ['partitioned', { relkind: 'p' }, /partitioned table/],
    ['slot active', { slot: { active: true, activePid: 42, plugin: 'pgoutput', database: 'shop', application: 'x' } }, /in use by PID 42 \(x\)/],
    ['foreign slot', { slot: { active: false, activePid: null, plugin: 'wal2json', database: 'shop', application: null } }, /not cdc's/],
    ['leftover slot', { slot: { active: false, activePid: null, plugin: 'pgoutput', database: 'shop', application: null } }, { dropLeftoverSlot: true }],
    ['no free slot', { usedSlots: 10 }, /max_replication_slots/],
    ['no free sender', { usedSenders: 10 }, /max_wal_senders/],
    ['identity default', { replicaIdentity: 'd' }, /REPLICA IDENTITY DEFAULT.*ALTER TABLE "public"\."t" REPLICA IDENTITY FULL/],
    ['identity index', { replicaIdentity: 'i' }, /REPLICA IDENTITY USING INDEX/],
  ];
  for (const [name, facts, expected] of cases) {
    it(name, () => {
      const run = () => planWalUpgrade({ ...ok, ...facts }, ctx);
      if (expected instanceof RegExp) {
        assert.throws(run, (err: Error) => err instanceof UserInputError && expected.test(err.message) && !err.message.includes('\n'));
      } else assert.deepEqual(run(), expected);
    });
  }
});

describe('postgres WAL: stream assembly', () => {
  const types = new Map([
    ['id', { kind: 'int' as const }],
    ['v', { kind: 'string' as const }],
  ]);
  const columns = { types, version: 1, reload: async () => undefined } as unknown as ColumnTracker;
  const relation = { tag: 'relation', relationOid: 16384, schema: 'public', name: 't', columns: [], keyColumns: ['id'] } as const;
  const begin = (xid: number, lsn: string) => ({ tag: 'begin', commitLsn: lsn, commitTime: 1_700_000_000_000_000n, xid }) as const;
  const commit = (lsn: string, end: string) => ({ tag: 'commit', flags: 0, commitLsn: lsn, commitEndLsn: end, commitTime: 0n }) as const;
  const insert = (id: number) => ({ tag: 'insert', relation, new: { id: String(id), v: `x${id}` } }) as const;

  async function assemble(messages: unknown[], boundary: string | null = null): Promise<StreamItem[]> {
    const items: StreamItem[] = [];
    const a = new StreamAssembler(
      {
        table: { schema: 'public', name: 't' },
        tableOid: 16384,
        keyColumns: ['id'],
        columns,
        boundary: boundary ? { start: 0n, delivered: parseSnapshot(boundary), deliveredBefore: parseLsn('0/500') } : null,
        switchPrefix: 'cdc:switch:s',
        snapshotPrefix: 'cdc:snapshot:s',
        xidReference: () => 1000n,
        onOmitted: () => undefined,
        onInvalid: () => undefined,
      },
      async (item) => void items.push(item),
    );
    for (const m of messages) await a.handle(m as never);
    return items;
  }

  it('numbers changes within their transaction and ends each with a confirmable position', async () => {
    const items = await assemble([begin(900, '0/100'), insert(1), insert(2), commit('0/100', '0/130'), { tag: 'message', transactional: false, messageLsn: '0/140', prefix: 'cdc:heartbeat:s', content: new Uint8Array() }]);
    assert.deepEqual(
      items.map((i) => (i.kind === 'change' ? `${i.change.changeId} ${i.change.transactionId} ${JSON.stringify(i.change.after)}` : `${i.kind} ${'lsn' in i ? formatLsn(i.lsn) : ''}`)),
      ['0/100:1 900 {"id":1,"v":"x1"}', '0/100:2 900 {"id":2,"v":"x2"}', 'progress 0/130', 'progress 0/140'],
    );
  });

  it('skips transactions the trigger log delivered before the switch, only before the boundary LSN', async () => {
    const items = await assemble(
      [begin(905, '0/200'), insert(1), commit('0/200', '0/220'), begin(912, '0/300'), insert(2), commit('0/300', '0/320'), begin(905, '0/600'), insert(3), commit('0/600', '0/620')],
      '910:915:912',
    );
    assert.deepEqual(items.map((i) => (i.kind === 'change' ? i.change.primaryKey : i.kind)), ['progress', { id: 2 }, 'progress', { id: 3 }, 'progress']);
  });

  it('turns the switch marker transaction into a stop, and ignores other slots\' markers', async () => {
    const marker = (prefix: string) => ({ tag: 'message', transactional: true, messageLsn: '0/410', prefix, content: new Uint8Array() });
    const items = await assemble([begin(1, '0/400'), marker('cdc:switch:other'), commit('0/400', '0/420'), begin(2, '0/500'), marker('cdc:switch:s'), commit('0/500', '0/520')]);
    assert.deepEqual(items.map((i) => i.kind), ['progress', 'switch']);
  });
});

describe('postgres WAL: item queue', () => {
  it('blocks the producer at the limit until a read makes room', async () => {
    const q = new ItemQueue(2);
    const change = { kind: 'change', ref: { commit: 1n, ordinal: 1 }, change: {} } as unknown as StreamItem;
    await q.push(change);
    await q.push({ kind: 'progress', lsn: 1n });
    await q.push(change);
    let third = false;
    const pending = q.push(change).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(third, false);
    q.shift();
    await pending;
    assert.equal(q.length, 3);
  });
});
