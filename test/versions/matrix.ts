import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, topicOffset, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { runCli, startCli, withCdcRun } from '../helpers/cli.js';
import { assertValidEvent } from '../helpers/event-schema.js';
import { createHotTables, HOT_TABLE, observed, runWorkload, verify } from '../helpers/workload.js';
import { freshDatabase, type MatrixServer } from './servers.js';

/**
 * Every capture mode against one old server of the version matrix (scripts/versions.sh): the real
 * CLI, real Kafka and Redis, a fresh database per server. One *.versions.ts file per server, so
 * each runs in its own process under its own time limit. What each test proves is in its name;
 * docs/versions.md's table is backed by exactly these tests.
 */
const STATE = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const changeId = (m: ConsumedMessage) => {
  const c = observed(m.value);
  return `${c.key}/${c.v}/${c.op}/${c.tok}`;
};

/** The last image each key's events leave, compared with the table's rows (id, v, tok). */
async function assertTableMatchesEvents(db: TestDatabase, table: string, msgs: ConsumedMessage[]): Promise<void> {
  const last = new Map<number, string | null>();
  for (const m of msgs) {
    const c = observed(m.value);
    last.set(c.key, c.op === 'DELETE' ? null : `${c.v}/${c.tok}`);
  }
  const rows = await db.query(`SELECT id, v, tok FROM ${db.q(table)}`);
  const inTable = new Map<number, string>(rows.map((r: any) => [Number(r.id), `${Number(r.v)}/${r.tok}`]));
  for (const [key, image] of last) assert.equal(inTable.get(key) ?? null, image, `row ${key}: the table and its last event disagree`);
  for (const key of inTable.keys()) assert.ok(last.has(key), `row ${key} is in the table but no event carried it`);
}

export function describeSupportedServer(server: MatrixServer): void {
  describe(`version matrix: ${server.version}`, () => {
    let db: TestDatabase;
    const args = (sid: string, extra: string[] = []) => ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, ...extra];
    before(async () => {
      db = await freshDatabase(server);
    });
    after(async () => db?.drop());

    test('the server is the version under test', async () => {
      const [row] = await db.query('SELECT version() AS v');
      assert.ok(String(row.v).startsWith(server.version), `expected ${server.version}, the server says ${row.v}`);
    });

    test('trigger: concurrent workload, SIGKILL mid-stream and resume, events match the table', async () => {
      await createHotTables(db);
      const inst = await runCli(['install-triggers', '--source', db.url, '--table', HOT_TABLE]);
      assert.equal(inst.code, 0, inst.stderr);
      const again = await runCli(['install-triggers', '--source', db.url, '--table', HOT_TABLE]);
      assert.equal(again.code, 0, again.stderr);
      const sid = uniqueId('ver');
      const topic = `cdc.${sid}.${db.qualified(HOT_TABLE)}`;
      const run = args(sid, ['--batch-size', '20']);
      const work = runWorkload(db, { writers: 4, keys: 12, durationMs: 6000, maxSleepMs: 40, rollbackRatio: 0.1 });
      const first = startCli(run);
      const deadline = Date.now() + 30_000;
      while ((await topicOffset(topic)) < 20 && Date.now() < deadline) await sleep(50);
      await first.kill();
      assert.ok((await topicOffset(topic)) > 0, `nothing was delivered before the SIGKILL; stderr: ${first.stderr.slice(-2000)}`);
      await withCdcRun(run, async () => {
        const committed = await work;
        assert.ok(committed.length > 50, `the workload committed only ${committed.length} changes`);
        const want = new Set(committed.map((c) => `${c.key}/${c.v}/${c.op}/${c.tok}`));
        const msgs = await consumeAll([topic], { until: (m) => new Set(m.map(changeId).filter((id) => want.has(id))).size >= want.size, timeoutMs: 90_000 });
        for (const m of msgs) assertValidEvent(m.value);
        verify(committed, msgs, true);
        await assertTableMatchesEvents(db, HOT_TABLE, msgs);
      });
    });

    test('snapshot: existing rows arrive as SNAPSHOT events through the trigger stream', async () => {
      const text = db.dialect === 'postgres' ? 'text' : 'varchar(40)';
      await db.exec(`CREATE TABLE snap (id int PRIMARY KEY, v int NOT NULL, tok ${text} NOT NULL)`);
      const values = Array.from({ length: 150 }, (_, i) => `(${i + 1}, ${i}, 'old${i}')`).join(',');
      await db.exec(`INSERT INTO snap (id, v, tok) VALUES ${values}`);
      assert.equal((await runCli(['install-triggers', '--source', db.url, '--table', 'snap'])).code, 0);
      const snap = await runCli(['snapshot', '--source', db.url, '--table', 'snap', '--chunk-size', '40']);
      assert.equal(snap.code, 0, snap.stderr);
      await db.exec(`UPDATE snap SET v = v + 1000, tok = 'new' WHERE id <= 5`);
      const sid = uniqueId('ver');
      const topic = `cdc.${sid}.${db.qualified('snap')}`;
      await withCdcRun(args(sid), async () => {
        const msgs = await consumeAll([topic], { until: (m) => m.length >= 155, timeoutMs: 60_000 });
        assert.equal(msgs.filter((m) => m.value.operation === 'SNAPSHOT').length, 150);
        assert.equal(msgs.filter((m) => m.value.operation === 'UPDATE').length, 5);
        for (const m of msgs) assertValidEvent(m.value);
        // SNAPSHOT rows read before the updates committed come first, so the last image is the table's.
        const normal = msgs.map((m) => (m.value.operation === 'SNAPSHOT' ? { ...m, value: { ...m.value, operation: 'INSERT' } } : m));
        await assertTableMatchesEvents(db, 'snap', normal);
      });
    });

    test('poll: inserts, updates and hard deletes found without anything installed on the source', async () => {
      const stamp = db.dialect === 'postgres' ? 'timestamptz NOT NULL DEFAULT now()' : 'datetime(6) NOT NULL DEFAULT NOW(6)';
      const text = db.dialect === 'postgres' ? 'text' : 'varchar(40)';
      await db.exec(`CREATE TABLE polled (id int PRIMARY KEY, v int NOT NULL, tok ${text} NOT NULL, updated_at ${stamp})`);
      const now = db.dialect === 'postgres' ? 'now()' : 'NOW(6)';
      const reg = await runCli(['install-poll', '--source', db.url, '--state', STATE, '--table', 'polled', '--column', 'updated_at', '--safety-lag', '300ms', '--reconcile-every', '1s']);
      assert.equal(reg.code, 0, reg.stderr);
      const sid = uniqueId('ver');
      const topic = `cdc.${sid}.${db.qualified('polled')}`;
      await withCdcRun(args(sid, ['--state', STATE, '--schedule', '100ms']), async () => {
        for (let i = 1; i <= 30; i++) await db.exec(`INSERT INTO polled (id, v, tok) VALUES (${i}, 1, 'a${i}')`);
        // Deletes are found only for keys cdc has emitted: first let all 30 rows arrive.
        await consumeAll([topic], { until: (m) => new Set(m.map((x) => x.value.primary_key.id)).size >= 30, timeoutMs: 60_000 });
        await db.exec(`UPDATE polled SET v = 2, tok = 'b', updated_at = ${now} WHERE id <= 10`);
        await db.exec(`DELETE FROM polled WHERE id > 25`);
        const msgs = await consumeAll([topic], {
          until: (m) => m.filter((x) => x.value.operation === 'DELETE').length >= 5 && m.filter((x) => x.value.after_data?.tok === 'b').length >= 10,
          timeoutMs: 60_000,
        });
        for (const m of msgs) assertValidEvent(m.value);
        await assertTableMatchesEvents(db, 'polled', msgs);
      });
      const un = await runCli(['uninstall-poll', '--source', db.url, '--state', STATE, '--table', 'polled']);
      assert.equal(un.code, 0, un.stderr);
    });

    if (server.dialect === 'postgres') {
      test('wal: refused with one line naming the version and the alternative; the table stays on triggers', async () => {
        await db.exec('CREATE TABLE walled (id int PRIMARY KEY, v int)');
        assert.equal((await runCli(['install-triggers', '--source', db.url, '--table', 'walled'])).code, 0);
        const r = await runCli(['upgrade', '--source', db.url, '--table', 'walled', '--to', 'wal']);
        assert.notEqual(r.code, 0);
        const version = server.version.replace('PostgreSQL ', '').replace('.', '\\.');
        assert.match(r.stderr.trim(), new RegExp(`^cdc: WAL capture needs PostgreSQL 14 or later .*this server is PostgreSQL ${version}: keep .* on trigger capture, or poll it`));
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        const [slots] = await db.query(`SELECT count(*)::int AS n FROM pg_replication_slots WHERE database = current_database()`);
        assert.equal(slots.n, 0, 'a refused upgrade created a replication slot');
        const status = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
        assert.equal(status.find((s: any) => s.table === db.qualified('walled'))?.mode, 'trigger');
      });
    } else {
      test('binlog: upgrade from triggers, no gap and no duplicate across the switch, SIGKILL and resume', async () => {
        await db.exec(`CREATE TABLE logged (id int PRIMARY KEY, v int NOT NULL, tok varchar(40) NOT NULL)`);
        assert.equal((await runCli(['install-triggers', '--source', db.url, '--table', 'logged'])).code, 0);
        for (let i = 1; i <= 10; i++) await db.exec(`INSERT INTO logged (id, v, tok) VALUES (${i}, 1, 'trg')`);
        const sid = uniqueId('ver');
        const topic = `cdc.${sid}.${db.qualified('logged')}`;
        const first = startCli(args(sid));
        // With changes in the trigger log, the running service performs the switch at its boundary.
        const up = await runCli(['upgrade', '--source', db.url, '--table', 'logged', '--to', 'binlog']);
        assert.equal(up.code, 0, up.stderr);
        const settleBy = Date.now() + 30_000;
        for (;;) {
          const status = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
          const row = status.find((x: any) => x.table === db.qualified('logged'));
          if (row?.mode === 'binlog' && !row.details?.switch) break;
          assert.ok(Date.now() < settleBy, `no switch to binlog within 30 s: ${JSON.stringify(row)}\n${first.stderr.slice(-2000)}`);
          await sleep(200);
        }
        for (let i = 11; i <= 20; i++) await db.exec(`INSERT INTO logged (id, v, tok) VALUES (${i}, 1, 'bin')`);
        const deadline = Date.now() + 30_000;
        while ((await topicOffset(topic)) < 12 && Date.now() < deadline) await sleep(50);
        await first.kill();
        await db.exec(`UPDATE logged SET v = 2, tok = 'after-kill' WHERE id IN (1, 15)`);
        await db.exec(`DELETE FROM logged WHERE id = 20`);
        await withCdcRun(args(sid), async () => {
          const msgs = await consumeAll([topic], { until: (m) => m.some((x) => x.value.operation === 'DELETE'), timeoutMs: 60_000 });
          for (const m of msgs) assertValidEvent(m.value);
          const distinct = new Map(msgs.map((m) => [changeId(m), m.value.event_id]));
          assert.equal(distinct.size, 23, `expected 20 inserts, 2 updates, 1 delete: got ${[...distinct.keys()].join(' ')}`);
          const modes = msgs.map((m) => m.value.source.mode as string).filter((m, i, all) => i === 0 || all[i - 1] !== m);
          assert.deepEqual(modes, ['trigger', 'binlog'], 'the topic switches mode once, at the boundary');
          // First deliveries only: a redelivery after the SIGKILL repeats an earlier number.
          const firsts = msgs.filter((m, i) => msgs.findIndex((x) => changeId(x) === changeId(m)) === i);
          const seqs = firsts.map((m) => BigInt(m.value.sequence_number));
          assert.ok(seqs.every((x, i) => i === 0 || x > seqs[i - 1]!), 'sequence numbers keep increasing across the switch and the kill');
          for (const m of msgs) assert.equal(distinct.get(changeId(m)), m.value.event_id, 'a redelivered change keeps its event_id');
          await assertTableMatchesEvents(db, 'logged', msgs);
        });
        const status = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
        assert.equal(status.find((s: any) => s.table === db.qualified('logged'))?.mode, 'binlog');
      });
    }

    test('uninstall: triggers and change log removed, the table untouched', async () => {
      const before = await db.query(`SELECT count(*) AS n FROM ${db.q(HOT_TABLE)}`);
      // Every table left on triggers (the binlog one has none any more).
      const tables = [HOT_TABLE, 'snap', ...(server.dialect === 'postgres' ? ['walled'] : [])];
      const r = await runCli(['uninstall-triggers', '--source', db.url, '--table', tables.join(',')]);
      assert.equal(r.code, 0, r.stderr);
      const objects = await db.objects();
      assert.deepEqual(objects.filter((o) => o.startsWith('trigger:')), []);
      assert.deepEqual(await db.query(`SELECT count(*) AS n FROM ${db.q(HOT_TABLE)}`), before);
    });
  });
}

/** A server below cdc's minimum: refused with one line, nothing written. */
export function describeUnsupportedServer(server: MatrixServer): void {
describe(`version matrix: ${server.version} is refused`, () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase(server);
  });
  after(async () => db?.drop());

  test('install-triggers: one line naming the version and the minimum, nothing created', async () => {
    const [row] = await db.query('SELECT version() AS v');
    assert.ok(String(row.v).startsWith(server.version), `expected ${server.version}, the server says ${row.v}`);
    await db.exec('CREATE TABLE t (id int PRIMARY KEY)');
    const objects = await db.objects();
    for (const args of [['install-triggers', '--table', 't'], ['status'], ['snapshot', '--table', 't']]) {
      const r = await runCli([...args, '--source', db.url]);
      assert.notEqual(r.code, 0, `cdc ${args[0]} succeeded on ${server.version}`);
      assert.match(r.stderr.trim(), /^cdc: PostgreSQL 9\.6\.24 is not supported: cdc needs PostgreSQL 10 or later/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual(await db.objects(), objects, 'a refused command changed the database');
  });
});
}
