import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { assertValidEvent } from '../helpers/event-schema.js';
import { PollCatalog } from '../../adapters/poll/index.js';
import type { RegisterOptions } from '../../adapters/poll/register.js';
import { RedisState } from '../../adapters/redis/redis-state.js';
import { parseTableRef } from '../../src/core/table-ref.js';

/**
 * Polling capture end to end through the CLI, real PostgreSQL/MariaDB, Redis and Kafka: concurrent
 * writers whose transactions stamp updated_at long before they commit (PostgreSQL now() is the
 * transaction start; the MySQL writers commit long after their NOW(6) statement) and many rows
 * sharing one stamp; hard deletes; SNAPSHOT and INSERT for rows found at and after registration. The safety lag (500 ms) is much shorter
 * than the writers' transactions (up to 1.2 s), so only the open-transaction rule keeps the
 * watermark from passing their rows.
 */
const STATE = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';
const RECONCILE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rnd = (n: number) => Math.floor(Math.random() * n);

/** Concurrent writers on `acct`; returns the tokens of committed transactions. */
async function writeConcurrently(db: TestDatabase, o: { writers: number; keys: number; durationMs: number; maxSleepMs: number }): Promise<Set<string>> {
  const { p } = db;
  const now = db.dialect === 'postgres' ? 'now()' : 'NOW(6)';
  const committed = new Set<string>();
  const until = Date.now() + o.durationMs;
  let n = 0;
  const one = async (w: number) => {
    const tok = `w${w}-${n++}`;
    const k = 1 + rnd(o.keys);
    const r = Math.random();
    try {
      const ok = await db.transaction(async (exec) => {
        if (db.dialect === 'postgres') await sleep(rnd(o.maxSleepMs)); // now() is already fixed: the stamp ages
        if (r < 0.15) {
          // Many rows, one stamp.
          await exec(`UPDATE acct SET v = v + 1, tok = ${p(1)}, updated_at = ${now} WHERE id BETWEEN ${p(2)} AND ${p(3)}`, [tok, k, k + 9]);
        } else if (r < 0.3) {
          await exec(`DELETE FROM acct WHERE id = ${p(1)}`, [k]);
        } else {
          const found = await exec(`SELECT id FROM acct WHERE id = ${p(1)} FOR UPDATE`, [k]);
          if (found.length) await exec(`UPDATE acct SET v = v + 1, tok = ${p(1)}, updated_at = ${now} WHERE id = ${p(2)}`, [tok, k]);
          else await exec(`INSERT INTO acct (id, v, tok, updated_at) VALUES (${p(1)}, 0, ${p(2)}, ${now})`, [k, tok]);
        }
        await sleep(rnd(o.maxSleepMs)); // commit long after the stamp
        return Math.random() < 0.1 ? 'rollback' : 'commit';
      });
      if (ok) committed.add(tok);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!['40P01', '40001', '23505', 'ER_LOCK_DEADLOCK', 'ER_DUP_ENTRY', 'ER_LOCK_WAIT_TIMEOUT'].includes(code)) throw err;
    }
  };
  await Promise.all(Array.from({ length: o.writers }, async (_, w) => {
    while (Date.now() < until) await one(w);
  }));
  return committed;
}

/** The last event per key, in partition order (one partition). */
function lastByKey(msgs: ConsumedMessage[]): Map<string, any> {
  const last = new Map<string, any>();
  for (const m of msgs) last.set(m.key!, m.value);
  return last;
}

describe('polling capture end to end', { concurrency: true }, () => {
  for (const dialect of DIALECTS) {
    describe(dialect.name, { concurrency: 1 }, () => {
      let db: TestDatabase;
      let redis: Redis;
      const text = dialect.name === 'postgres' ? 'text' : 'varchar(64)';
      const stamp = dialect.name === 'postgres' ? 'timestamptz(6) NOT NULL DEFAULT now()' : 'datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)';
      const cli = (...args: string[]) => runCli([...args, '--source', db.url, '--state', STATE]);
      const topic = (sid: string, t: string) => `cdc.${sid}.${db.qualified(t)}`;
      /** Every state key of this test's database (the namespace is the source location). */
      const stateKeys = async () => (await redis.keys(`cdc:{*${db.name}}:*`)).sort();

      before(async () => {
        db = await dialect.create();
        redis = new Redis(STATE);
        await db.exec(`CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL, tok ${text} NOT NULL, updated_at ${stamp})`);
        await db.exec(`CREATE TABLE bulk (id int PRIMARY KEY, payload ${text}, updated_at ${stamp})`);
        await db.exec(`CREATE TABLE keyless (code int NOT NULL, updated_at ${stamp})`);
        // The index docs/polling.md asks for: pages and the watermark walk it.
        await db.exec(`CREATE INDEX bulk_poll ON bulk (updated_at, id)`);
        await db.exec(`CREATE INDEX acct_poll ON acct (updated_at, id)`);
      });
      after(async () => {
        for (const k of await stateKeys()) await redis.del(k);
        redis?.disconnect();
        await db?.drop();
      });

      test('bad input is refused with one line and changes nothing', async () => {
        const objects = await db.objects();
        // Through the CLI (each start costs seconds under tsx): the exit code and the one line.
        const cases: [string[], RegExp, Record<string, string>?][] = [
          [['--table', 'nope', '--column', 'updated_at'], /table .*nope does not exist/],
          [['--table', 'keyless', '--column', 'updated_at'], /has no primary key: pass --key-columns/],
          [['--table', 'acct', '--column', 'updated_at'], /missing --state/, { CDC_STATE_URL: '' }],
        ];
        await Promise.all(
          cases.map(async ([args, message, env]) => {
            const r = env ? await runCli(['install-poll', '--source', db.url, ...args], env) : await cli('install-poll', ...args);
            assert.notEqual(r.code, 0, args.join(' '));
            assert.match(r.stderr, message);
            assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
          }),
        );
        // The rest of the validation in process.
        const state = await RedisState.connect(STATE, { service: false });
        const catalog = await PollCatalog.open(db.url, state);
        try {
          const register = (column: string, more: Partial<RegisterOptions> = {}) =>
            catalog.register(parseTableRef('acct', catalog.defaultSchema), { column, columnKind: 'timestamp', createdColumn: null, safetyLagMs: 500, reconcileEveryMs: 1000, chunkSize: 10, ...more });
          await assert.rejects(register('nope'), /--column "nope": table .*acct has no such column/);
          await assert.rejects(register('tok'), /polling needs/);
          await assert.rejects(register('updated_at', { createdColumn: 'v' }), /--created-column "v"/);
          await assert.rejects(register('updated_at', { keyColumns: ['nope'] }), /--key-columns: table .*acct has no column "nope"/);
        } finally {
          await catalog.close();
          await state.close();
        }
        assert.deepEqual(await stateKeys(), [], 'nothing recorded in the state store');
        assert.deepEqual(await db.objects(), objects, 'nothing created in the source');
      });

      test('concurrent slow writers and shared stamps: every final row state and every delete arrives', async () => {
        const reg = await cli('install-poll', '--table', 'acct', '--column', 'updated_at', '--safety-lag', '500ms', '--reconcile-every', `${RECONCILE_MS}ms`, '--reconcile-chunk', '20');
        assert.equal(reg.code, 0, reg.stderr);
        assert.match(reg.stdout, /registered for polling: .*acct \(column: updated_at, key: id\)/);
        const again = await cli('install-poll', '--table', 'acct', '--column', 'updated_at', '--safety-lag', '500ms', '--reconcile-every', `${RECONCILE_MS}ms`, '--reconcile-chunk', '20');
        assert.match(again.stdout, /already registered/);

        const sid = uniqueId('poll');
        const args = ['run', '--source', db.url, '--state', STATE, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--batch-size', '50', '--schedule', '50ms'];
        await withCdcRun(args, async () => {
          // 300 rows in one statement share one stamp and span six pages.
          const ids = Array.from({ length: 300 }, (_, i) => 1000 + i);
          await db.exec(`INSERT INTO acct (id, v, tok) VALUES ${ids.map((id) => `(${id}, 0, 'bulk')`).join(', ')}`);
          const committed = await writeConcurrently(db, { writers: 6, keys: 60, durationMs: 4000, maxSleepMs: 1200 });
          committed.add('bulk');
          await db.exec(`DELETE FROM acct WHERE id BETWEEN 1100 AND 1139 OR id IN (1003, 1250, 1299)`);

          const finalRows = await db.query<{ id: number; v: number; tok: string }>(`SELECT id, v, tok FROM acct`);
          const final = new Map(finalRows.map((r) => [`{"id":${Number(r.id)}}`, r]));
          const converged = (msgs: ConsumedMessage[]) => {
            const last = lastByKey(msgs);
            for (const [key, row] of final) {
              const e = last.get(key);
              if (!e || e.operation === 'DELETE' || e.after_data.v !== Number(row.v) || e.after_data.tok !== row.tok) return false;
            }
            for (const [key, e] of last) if (!final.has(key) && e.operation !== 'DELETE') return false;
            return true;
          };
          const msgs = await consumeAll([topic(sid, 'acct')], { until: converged, timeoutMs: 45_000 });
          for (const m of msgs) {
            assertValidEvent(m.value);
            assert.equal(m.value.source.mode, 'poll');
            assert.equal(m.value.transaction_id, null);
            if (m.value.operation !== 'DELETE') assert.ok(committed.has(m.value.after_data.tok), `rolled-back change delivered: ${JSON.stringify(m.value)}`);
          }
          const seqs = msgs.map((m) => BigInt(m.value.sequence_number));
          assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'sequence numbers increase');
          assert.equal(new Set(msgs.map((m) => m.value.event_id)).size, msgs.length, 'no duplicate without a crash');
          const bulk = msgs.filter((m) => m.value.after_data?.tok === 'bulk');
          assert.ok(bulk.length >= 250, `rows sharing one stamp delivered: ${bulk.length}`);
          assert.ok(bulk.every((m) => m.value.operation === 'INSERT'));
          // Rows deleted before a poll reached them (writers' lock waits hold the watermark back
          // for seconds) were never emitted, so they need no DELETE either: `converged` checks both.

          // Hard deletes of quiet rows, in several chunks: found within one reconciliation cycle.
          const victims = [1010, 1011, 1050, 1200, 1201, 1202, 1298];
          const t0 = Date.now();
          await db.exec(`DELETE FROM acct WHERE id IN (${victims.join(', ')})`);
          const deletes = await consumeAll([topic(sid, 'acct')], {
            until: (m) => victims.every((id) => lastByKey(m).get(`{"id":${id}}`)?.operation === 'DELETE'),
            timeoutMs: 20_000,
          });
          const elapsed = Date.now() - t0;
          // One cycle plus the consumer's own start-up (a Kafka group join takes seconds).
          assert.ok(elapsed < RECONCILE_MS + 8000, `deletes took ${elapsed} ms`);
          const del = lastByKey(deletes).get('{"id":1050}');
          assert.deepEqual(del.before_data, { id: 1050 });
          assert.equal(del.after_data, null);
        });

        const status = await cli('status', '--json');
        assert.equal(status.code, 0, status.stderr);
        const row = (JSON.parse(status.stdout) as any[]).find((r) => r.table === db.qualified('acct'));
        assert.equal(row?.mode, 'poll', status.stdout);
        assert.equal(row.backlog, 0);
        assert.match(row.checkpoint, /\|\[\d+\]$/);
      });

      // Resume after SIGKILL is the acceptance suite's (test/acceptance/); this is what only polling does.
      test('rows present at registration arrive as SNAPSHOT, rows changed since as INSERT; uninstall-poll removes the state', async () => {
        const n = 8_000;
        if (db.dialect === 'postgres') await db.exec(`INSERT INTO bulk (id, payload) SELECT g, 'row ' || g FROM generate_series(1, ${n}) g`);
        else await db.exec(`INSERT INTO bulk (id, payload) VALUES ${Array.from({ length: n }, (_, j) => `(${j + 1}, 'row ${j + 1}')`).join(',')}`);
        const reg = await cli('install-poll', '--table', 'bulk', '--column', 'updated_at', '--safety-lag', '500ms');
        assert.equal(reg.code, 0, reg.stderr);
        await db.exec(`UPDATE bulk SET payload = 'changed', updated_at = ${db.dialect === 'postgres' ? 'now()' : 'NOW(6)'} WHERE id <= 100`);

        const sid = uniqueId('pollsnap');
        const args = ['run', '--source', db.url, '--state', STATE, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--table', 'bulk', '--batch-size', '100'];
        const byKey = (m: ConsumedMessage[]) => new Set(m.map((x) => x.key)).size;
        const msgs = await withCdcRun(args, () => consumeAll([topic(sid, 'bulk')], { until: (m) => byKey(m) >= n, timeoutMs: 60_000 }));
        assert.equal(new Set(msgs.map((m) => m.value.event_id)).size, msgs.length, 'no duplicate without a crash');
        const last = lastByKey(msgs);
        assert.equal(last.size, n);
        assert.equal(last.get('{"id":7}').after_data.payload, 'changed');
        assert.equal(last.get('{"id":7}').operation, 'INSERT', 'changed since registration and first seen: INSERT (docs/polling.md)');
        assert.equal(last.get('{"id":500}').operation, 'SNAPSHOT');

        const out = await cli('uninstall-poll', '--table', 'bulk');
        assert.match(out.stdout, /unregistered/);
        const left = (await stateKeys()).filter((k) => k.includes(':poll:') && k.includes('bulk'));
        assert.deepEqual(left, [], 'uninstall-poll removes the table state');
      });
    });
  }
});
