import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { assertValidEvent } from '../helpers/event-schema.js';
import { dropSlotsOf, modeIndependent, waitForMode } from '../helpers/postgres-wal.js';

/**
 * What is particular to WAL capture, through the real CLI, PostgreSQL and Kafka: the same
 * statements produce the same events as trigger capture (apart from source.mode and positions),
 * on the same topic and keys, across a live `cdc upgrade`; an idle table's slot keeps advancing.
 * Resume after SIGKILL, status and uninstall are the acceptance suite's (test/acceptance/).
 */
const BIG = 'z'.repeat(20_000); // stored out of line (column storage EXTERNAL: no compression)

/** Ends with TRUNCATE, so it can run again on the same (empty) table. Returns one transaction's xid8. */
async function script(db: TestDatabase): Promise<string> {
  let txid = '';
  await db.exec(`INSERT INTO users (id, name, score) VALUES (1, 'ada', 12.50), (2, 'bob', 99999999.99)`);
  await db.exec(`UPDATE users SET name = 'ada lovelace' WHERE id = 1`);
  await db.exec(`DELETE FROM users WHERE id = 2`);
  await db.exec(`INSERT INTO users (id, name, score, big) VALUES (3, 'cy', 0.10, $1)`, [BIG]);
  await db.exec(`UPDATE users SET score = 1.00 WHERE id = 3`); // big unchanged: pgoutput sends it as "unchanged TOAST"
  await db.transaction(async (exec) => {
    await exec(`INSERT INTO users (id, name) VALUES (4, 'dee')`);
    await exec(`UPDATE users SET name = 'dee2' WHERE id = 4`);
    txid = (await exec(`SELECT pg_current_xact_id()::text AS x`))[0].x;
  });
  await db.exec(`TRUNCATE users`);
  return txid;
}
const SCRIPT_EVENTS = 9;


describe('postgres WAL capture end to end', () => {
  let db: TestDatabase;
  const cli = (...args: string[]) => runCli([...args, '--source', db.url]);

  before(async () => {
    db = await createPostgresDatabase();
    await db.exec(`CREATE TABLE users (id int PRIMARY KEY, name text, score numeric(12,2), big text)`);
    await db.exec(`ALTER TABLE users REPLICA IDENTITY FULL`);
    await db.exec(`ALTER TABLE users ALTER COLUMN big SET STORAGE EXTERNAL`);
    await db.exec(`CREATE TABLE other (id serial PRIMARY KEY, pad text)`);
    const inst = await cli('install-triggers', '--table', 'users');
    assert.equal(inst.code, 0, inst.stderr);
  });
  after(async () => {
    if (!db) return;
    await dropSlotsOf(db.name);
    await db.drop();
  });

  test('same events as trigger capture, on the same topic and keys, across a live upgrade', async () => {
    const sid = uniqueId('wal');
    const topic = `cdc.${sid}.public.users`;
    const args = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms'];
    await withCdcRun(args, async () => {
      const trigTxid = await script(db);
      const trig = await consumeAll([topic], { until: (m) => m.length >= SCRIPT_EVENTS, timeoutMs: 30_000 });
      const up = await cli('upgrade', '--table', 'users', '--to', 'wal');
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /public\.users: trigger -> wal/);
      await waitForMode(db.url, 'public.users', 'wal');
      const walTxid = await script(db);
      const all = await consumeAll([topic], { until: (m) => m.length >= 2 * SCRIPT_EVENTS, timeoutMs: 30_000 });
      for (const m of all) assertValidEvent(m.value);
      const [t, w] = [all.slice(0, SCRIPT_EVENTS), all.slice(SCRIPT_EVENTS)];
      assert.deepEqual(trig.map((m) => m.value.event_id), t.map((m) => m.value.event_id));
      assert.ok(t.every((m) => m.value.source.mode === 'trigger'));
      assert.ok(w.every((m) => m.value.source.mode === 'wal'), JSON.stringify(w.map((m) => m.value.source)));
      assert.deepEqual(w.map((m) => modeIndependent(m.value)), t.map((m) => modeIndependent(m.value)));
      assert.deepEqual(w.map((m) => m.key), t.map((m) => m.key));
      assert.deepEqual(w.map((m) => m.headers['cdc.event_id']), w.map((m) => m.value.event_id));
      // The unchanged TOAST value is filled in from the before image, never a placeholder.
      assert.equal(w[5]!.value.after_data.big, BIG);
      // One statement, one transaction; commit timestamps with microseconds; sequence keeps increasing across the switch.
      assert.equal(w[0]!.value.transaction_id, w[1]!.value.transaction_id);
      // transaction_id is the full 64-bit xid in both modes (pgoutput's 32-bit xid widened).
      assert.deepEqual([t[6]!.value.transaction_id, t[7]!.value.transaction_id], [trigTxid, trigTxid]);
      assert.deepEqual([w[6]!.value.transaction_id, w[7]!.value.transaction_id], [walTxid, walTxid]);
      assert.match(w[0]!.value.transaction_id, /^\d+$/);
      assert.match(w[0]!.value.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const seqs = all.map((m) => BigInt(m.value.sequence_number));
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), `sequence strictly increasing: ${seqs}`);
      assert.equal(new Set(all.map((m) => m.value.event_id)).size, all.length);

      const status = await cli('status', '--json');
      assert.equal(status.code, 0, status.stderr);
      const users = (JSON.parse(status.stdout) as any[]).find((r) => r.table === 'public.users');
      assert.equal(users.mode, 'wal');
      assert.equal(users.details.slotActive, true);
      assert.equal(typeof users.details.retainedWalBytes, 'number');
      assert.equal(users.details.replicaIdentityFull, true);
    });
  });

  test('an idle table does not hold WAL back: heartbeats advance its slot', async () => {
    const sid = uniqueId('hb');
    const args = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms'];
    await withCdcRun(
      args,
      async () => {
        await waitForMode(db.url, 'public.users', 'wal');
        for (let i = 0; i < 20; i++) await db.exec(`INSERT INTO other (pad) SELECT repeat('x', 500) FROM generate_series(1, 200)`);
        const [{ lsn }] = await db.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
        const until = Date.now() + 15_000;
        for (;;) {
          const [row] = await db.query(
            `SELECT confirmed_flush_lsn >= $1::pg_lsn AS passed FROM pg_replication_slots WHERE database = current_database()`,
            [lsn],
          );
          if (row?.passed) break;
          assert.ok(Date.now() < until, `slot did not advance past ${lsn}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      { CDC_PG_WAL_HEARTBEAT_MS: '200' },
    );
  });
});
