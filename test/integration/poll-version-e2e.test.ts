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
 * Version-column polling end to end through the CLI, real PostgreSQL/MariaDB, Redis and Kafka.
 * Every write takes its version from one sequence; writers hold their transactions open up to
 * 1.2 s after taking a version, and one slow writer takes a low version and commits 4 s later,
 * while others commit higher versions. The safety lag (500 ms) is far shorter, so only the rule
 * "a version bound settles once every transaction open when it was seen has ended" keeps the
 * poller from passing the slow row (docs/polling.md, "Version columns").
 */
const STATE = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';
const RECONCILE_MS = 2000;
const SLOW_KEY = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rnd = (n: number) => Math.floor(Math.random() * n);
const RETRYABLE = ['40P01', '40001', '23505', 'ER_LOCK_DEADLOCK', 'ER_DUP_ENTRY', 'ER_LOCK_WAIT_TIMEOUT'];

type Exec = (sql: string, params?: unknown[]) => Promise<any[]>;

/** The sequence call of the dialect: every version comes from it. */
const nextVersion = (db: TestDatabase) => (db.dialect === 'postgres' ? `nextval('row_versions')` : 'NEXTVAL(row_versions)');

/**
 * Takes a version for a write the transaction makes next. On MariaDB only after the transaction
 * touched a row (its INNODB_TRX start then precedes the version), as docs/polling.md requires.
 */
async function takeVersion(db: TestDatabase, exec: Exec): Promise<string> {
  const [r] = await exec(`SELECT ${nextVersion(db)} AS v`);
  return String(r.v);
}

/** Concurrent writers on `acct` keys 1..keys(+9); returns the tokens of committed transactions. */
async function writeConcurrently(db: TestDatabase, o: { writers: number; keys: number; durationMs: number; maxSleepMs: number }): Promise<Set<string>> {
  const { p } = db;
  const committed = new Set<string>();
  const until = Date.now() + o.durationMs;
  let n = 0;
  const one = async (w: number) => {
    const tok = `w${w}-${n++}`;
    const k = 1 + rnd(o.keys);
    const r = Math.random();
    try {
      const ok = await db.transaction(async (exec) => {
        if (r < 0.15) {
          // Many rows, one version: the rows are locked first, then share a version.
          await exec(`UPDATE acct SET v = v + 1, tok = ${p(1)} WHERE id BETWEEN ${p(2)} AND ${p(3)}`, [tok, k, k + 9]);
          const version = await takeVersion(db, exec);
          await exec(`UPDATE acct SET row_version = ${p(1)} WHERE id BETWEEN ${p(2)} AND ${p(3)}`, [version, k, k + 9]);
        } else if (r < 0.3) {
          await exec(`DELETE FROM acct WHERE id = ${p(1)}`, [k]);
        } else {
          const found = await exec(`SELECT id FROM acct WHERE id = ${p(1)} FOR UPDATE`, [k]);
          if (found.length) {
            await exec(`UPDATE acct SET v = v + 1, tok = ${p(1)}, row_version = ${nextVersion(db)} WHERE id = ${p(2)}`, [tok, k]);
          } else {
            const version = await takeVersion(db, exec);
            await exec(`INSERT INTO acct (id, v, tok, row_version, created_version) VALUES (${p(1)}, 0, ${p(2)}, ${p(3)}, ${p(4)})`, [k, tok, version, version]);
          }
        }
        await sleep(rnd(o.maxSleepMs)); // commit long after the version was taken
        return Math.random() < 0.1 ? 'rollback' : 'commit';
      });
      if (ok) committed.add(tok);
    } catch (err) {
      if (!RETRYABLE.includes((err as { code?: string }).code ?? '')) throw err;
    }
  };
  await Promise.all(
    Array.from({ length: o.writers }, async (_, w) => {
      while (Date.now() < until) await one(w);
    }),
  );
  return committed;
}

/** The last event per key, in partition order (one partition). */
function lastByKey(msgs: ConsumedMessage[]): Map<string, any> {
  const last = new Map<string, any>();
  for (const m of msgs) last.set(m.key!, m.value);
  return last;
}

describe('version-column polling end to end', { concurrency: true }, () => {
  for (const dialect of DIALECTS) {
    describe(dialect.name, { concurrency: 1 }, () => {
      let db: TestDatabase;
      let redis: Redis;
      const text = dialect.name === 'postgres' ? 'text' : 'varchar(64)';
      const cli = (...args: string[]) => runCli([...args, '--source', db.url, '--state', STATE]);
      const topic = (sid: string, t: string) => `cdc.${sid}.${db.qualified(t)}`;
      const stateKeys = async () => (await redis.keys(`cdc:{*${db.name}}:*`)).sort();
      const register = ['--column', 'row_version', '--column-kind', 'version', '--created-column', 'created_version', '--safety-lag', '500ms'];

      before(async () => {
        db = await dialect.create();
        redis = new Redis(STATE);
        await db.exec(`CREATE SEQUENCE row_versions`);
        for (const t of ['acct', 'seeded']) {
          await db.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, v int NOT NULL, tok ${text} NOT NULL, row_version bigint NOT NULL, created_version bigint NOT NULL)`);
          // The index docs/polling.md asks for: pages walk it, and max(row_version) reads its end.
          await db.exec(`CREATE INDEX ${t}_poll ON ${t} (row_version, id)`);
        }
        const stamp = dialect.name === 'postgres' ? 'timestamptz(6)' : 'datetime(6)';
        await db.exec(`CREATE TABLE stamped (id int PRIMARY KEY, label ${text}, updated_at ${stamp} NOT NULL, rv bigint NOT NULL, ratio ${dialect.name === 'postgres' ? 'double precision' : 'double'})`);
      });
      after(async () => {
        for (const k of await stateKeys()) await redis.del(k);
        redis?.disconnect();
        await db?.drop();
      });

      test('bad input is refused with one line and changes nothing', async () => {
        const objects = await db.objects();
        const cases: [string[], RegExp][] = [
          [['--table', 'acct', '--column', 'row_version'], /is bigint.*; polling needs .* \(a version number from a sequence: --column-kind version\)/],
          [['--table', 'acct', '--column', 'row_version', '--column-kind', 'nope'], /--column-kind.*nope.*timestamp, version/],
        ];
        await Promise.all(
          cases.map(async ([args, message]) => {
            const r = await cli('install-poll', ...args);
            assert.notEqual(r.code, 0, args.join(' '));
            assert.match(r.stderr, message);
            assert.equal(r.stderr.trim().split('\n').filter((l) => !l.includes('--help')).length, 1, r.stderr);
          }),
        );
        const state = await RedisState.connect(STATE, { service: false });
        const catalog = await PollCatalog.open(db.url, state);
        try {
          const reg = (table: string, column: string, more: Partial<RegisterOptions> = {}) =>
            catalog.register(parseTableRef(table, catalog.defaultSchema), { column, columnKind: 'version', createdColumn: null, safetyLagMs: 500, reconcileEveryMs: 1000, chunkSize: 10, ...more });
          await assert.rejects(reg('stamped', 'updated_at'), /--column "updated_at" of .*stamped is .*; --column-kind version needs/);
          await assert.rejects(reg('stamped', 'label'), /--column "label" .*--column-kind version needs/);
          await assert.rejects(reg('stamped', 'ratio'), /--column "ratio" .*--column-kind version needs/, 'a float version could not be compared exactly');
          await assert.rejects(reg('stamped', 'nope'), /--column "nope": table .*stamped has no such column/);
          await assert.rejects(reg('stamped', 'rv', { createdColumn: 'updated_at' }), /--created-column "updated_at"/);
          assert.deepEqual(await stateKeys(), [], 'nothing recorded in the state store');

          // Registration conflicts as for timestamps: the same settings again are a no-op, others are refused.
          const first = await reg('stamped', 'updated_at', { columnKind: 'timestamp' });
          assert.equal(first.changed, true);
          await assert.rejects(reg('stamped', 'rv'), /already registered for polling with other settings \(--column updated_at --column-kind timestamp\)/);
          assert.equal((await catalog.registrations()).find((r) => r.name === 'stamped')?.column, 'updated_at', 'the old registration stands');
          assert.equal(await catalog.unregister(parseTableRef('stamped', catalog.defaultSchema)), true);
          assert.equal((await reg('stamped', 'rv')).changed, true);
          assert.equal((await reg('stamped', 'rv')).changed, false);
          assert.equal(await catalog.unregister(parseTableRef('stamped', catalog.defaultSchema)), true);
        } finally {
          await catalog.close();
          await state.close();
        }
        assert.deepEqual(await stateKeys(), []);
        assert.deepEqual(await db.objects(), objects, 'nothing created in the source');
      });

      test('a slow low version, concurrent writers, shared versions and deletes: no change lost', async () => {
        const reg = await cli('install-poll', '--table', 'acct', ...register, '--reconcile-every', `${RECONCILE_MS}ms`, '--reconcile-chunk', '20');
        assert.equal(reg.code, 0, reg.stderr);
        assert.match(reg.stdout, /registered for polling: .*acct \(column: row_version \(version\), key: id\)/);

        const sid = uniqueId('pollver');
        const args = ['run', '--source', db.url, '--state', STATE, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--batch-size', '50', '--schedule', '50ms'];
        const { p } = db;
        let slowVersion = '';
        let visibleWhileSlowOpen = '';
        const { committed, msgs } = await withCdcRun(args, async (run) => {
          // The poller must be watching while the slow transaction is open, or nothing is tested.
          const t0 = Date.now();
          while (!run.stderr.includes('"capturing"') && Date.now() - t0 < 60_000) await sleep(50);
          // 300 rows (and the writers' keys, so they mostly update rather than fight over gap
          // locks on missing keys), one version, several pages.
          const ids = Array.from({ length: 300 }, (_, i) => 1000 + i);
          const rows = [...ids.map((id) => `(${id}, 0, 'bulk', 0, 0)`), ...Array.from({ length: 69 }, (_, i) => `(${i + 1}, 0, 'seed', 0, 0)`)];
          await db.transaction(async (exec) => {
            await exec(`INSERT INTO acct (id, v, tok, row_version, created_version) VALUES ${rows.join(', ')}`);
            const version = await takeVersion(db, exec);
            await exec(`UPDATE acct SET row_version = ${p(1)}, created_version = ${p(2)}`, [version, version]);
          });

          // The slow writer takes its version before the others start and commits 4 s later.
          let tookVersion!: () => void;
          const hasVersion = new Promise<void>((resolve) => (tookVersion = resolve));
          const slow = db.transaction(async (exec) => {
            await exec(`SELECT id FROM acct WHERE id = ${p(1)} FOR UPDATE`, [SLOW_KEY]);
            slowVersion = await takeVersion(db, exec);
            await exec(`INSERT INTO acct (id, v, tok, row_version, created_version) VALUES (${p(1)}, 0, 'slow', ${p(2)}, ${p(3)})`, [SLOW_KEY, slowVersion, slowVersion]);
            tookVersion();
            await sleep(4000);
            const [r] = await db.query(`SELECT max(row_version) AS m FROM acct`);
            visibleWhileSlowOpen = String(r.m);
            return 'commit';
          });
          await hasVersion;
          // A higher version committed for certain while the slow one is open (a record lock only).
          await db.exec(`UPDATE acct SET v = v + 1, tok = 'quick', row_version = ${nextVersion(db)} WHERE id = 1200`);
          const committed = await writeConcurrently(db, { writers: 6, keys: 60, durationMs: 4000, maxSleepMs: 1200 });
          assert.equal(await slow, true);
          committed.add('bulk').add('seed').add('slow').add('quick');
          await db.exec(`DELETE FROM acct WHERE id BETWEEN 1100 AND 1139 OR id IN (1003, 1250, 1299)`);

          const finalRows = await db.query<{ id: number; v: number; tok: string }>(`SELECT id, v, tok FROM acct`);
          const final = new Map(finalRows.map((r) => [`{"id":${Number(r.id)}}`, r]));
          /** Keys whose last event is not the final state (empty once converged). */
          const behind = (m: ConsumedMessage[]) => {
            const last = lastByKey(m);
            const out: string[] = [];
            for (const [key, row] of final) {
              const e = last.get(key);
              if (!e || e.operation === 'DELETE' || e.after_data.v !== Number(row.v) || e.after_data.tok !== row.tok) out.push(`${key}: ${row.tok}, last ${e?.after_data?.tok ?? e?.operation}`);
            }
            for (const [key, e] of last) if (!final.has(key) && e.operation !== 'DELETE') out.push(`${key}: deleted, last ${e.operation}`);
            return out;
          };
          // MySQL/MariaDB: every open transaction of the server holds the bound (INNODB_TRX has no
          // database), so on a loaded machine stalled writers of other tests delay it: a long wait.
          let seen: ConsumedMessage[] = [];
          const converged = (m: ConsumedMessage[]) => ((seen = m), behind(m).length === 0);
          const msgs = await consumeAll([topic(sid, 'acct')], { until: converged, timeoutMs: 150_000 }).catch((err: Error) => {
            throw new Error(`${err.message}; not converged: ${behind(seen).slice(0, 20).join('; ')}`);
          });
          return { committed, msgs };
        });

        // The scenario happened: higher versions were committed and visible while the slow one was open.
        assert.ok(BigInt(visibleWhileSlowOpen) > BigInt(slowVersion), `max ${visibleWhileSlowOpen} vs slow ${slowVersion}`);
        const slowEvent = msgs.find((m) => m.value.after_data?.tok === 'slow');
        assert.ok(slowEvent, 'the slow transaction\'s row arrived');
        assert.equal(slowEvent.value.operation, 'INSERT');
        assert.equal(String(slowEvent.value.after_data.row_version), slowVersion);

        for (const m of msgs) {
          assertValidEvent(m.value);
          assert.equal(m.value.source.mode, 'poll');
          assert.notEqual(m.value.operation, 'SNAPSHOT', 'registered while empty: every row is a change');
          if (m.value.operation !== 'DELETE') assert.ok(committed.has(m.value.after_data.tok), `rolled-back change delivered: ${JSON.stringify(m.value)}`);
        }
        // Emitted in (version, key) order: nothing below the cursor appeared after it moved on.
        const rows = msgs.filter((m) => m.value.operation !== 'DELETE').map((m) => [BigInt(m.value.after_data.row_version), BigInt(m.value.after_data.id)] as const);
        rows.forEach(([v, id], i) => {
          const [pv, pid] = rows[i - 1] ?? [-1n, -1n];
          assert.ok(v > pv || (v === pv && id > pid), `(${v}, ${id}) emitted after (${pv}, ${pid})`);
        });
        const seqs = msgs.map((m) => BigInt(m.value.sequence_number));
        assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'sequence numbers increase');
        assert.equal(new Set(msgs.map((m) => m.value.event_id)).size, msgs.length, 'no duplicate without a crash');
        const bulk = msgs.filter((m) => m.value.after_data?.tok === 'bulk');
        assert.ok(bulk.length >= 250, `rows sharing one version delivered: ${bulk.length}`);
        assert.ok(bulk.every((m) => m.value.operation === 'INSERT'));
        // With --created-column: a row whose current version is its first (inserted, not changed
        // since) is never an UPDATE. (An UPDATE can be a key's first event: a row inserted and then
        // updated before the watermark reached its creation, docs/polling.md.)
        const updates = msgs.filter((m) => m.value.operation === 'UPDATE');
        for (const m of updates) assert.ok(BigInt(m.value.after_data.created_version) < BigInt(m.value.after_data.row_version), JSON.stringify(m.value));

        const status = await cli('status', '--json');
        assert.equal(status.code, 0, status.stderr);
        const row = (JSON.parse(status.stdout) as any[]).find((r) => r.table === db.qualified('acct'));
        assert.equal(row?.mode, 'poll', status.stdout);
        assert.equal(row.backlog, 0);
        assert.equal(row.details.column_kind, 'version');
        assert.match(row.checkpoint, /^\d+\|\[\d+\]$/);
      });

      test('rows present at registration are SNAPSHOT; a restart resumes from the checkpoint', async () => {
        const n = 2000;
        const values = Array.from({ length: n }, (_, i) => `(${i + 1}, 0, 'seed', ${nextVersion(db)}, 0)`);
        await db.exec(`INSERT INTO seeded (id, v, tok, row_version, created_version) VALUES ${values.join(', ')}`);
        await db.exec(`UPDATE seeded SET created_version = row_version`);
        const reg = await cli('install-poll', '--table', 'seeded', ...register);
        assert.equal(reg.code, 0, reg.stderr);
        await db.exec(`UPDATE seeded SET v = 1, tok = 'changed', row_version = ${nextVersion(db)} WHERE id <= 100`);

        const sid = uniqueId('pollverseed');
        const args = ['run', '--source', db.url, '--state', STATE, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--table', 'seeded', '--batch-size', '200'];
        const byKey = (m: ConsumedMessage[]) => new Set(m.map((x) => x.key)).size;
        const first = await withCdcRun(args, () => consumeAll([topic(sid, 'seeded')], { until: (m) => byKey(m) >= n, timeoutMs: 60_000 }));
        assert.equal(first.length, n, 'one event per row');
        const last = lastByKey(first);
        assert.equal(last.get('{"id":500}').operation, 'SNAPSHOT');
        assert.equal(last.get('{"id":7}').operation, 'UPDATE', 'changed after registration, created before it');
        assert.equal(last.get('{"id":7}').after_data.tok, 'changed');

        // Changes while cdc is down arrive after the restart; what was acknowledged is not sent again.
        await db.exec(`UPDATE seeded SET v = 2, tok = 'while down', row_version = ${nextVersion(db)} WHERE id BETWEEN 1901 AND 1950`);
        const all = await withCdcRun(args, () =>
          consumeAll([topic(sid, 'seeded')], { until: (m) => m.filter((x) => x.value.after_data?.tok === 'while down').length >= 50, timeoutMs: 60_000 }),
        );
        const again = all.slice(first.length);
        assert.equal(again.length, 50, `only the 50 new changes after the restart, got ${again.length}`);
        assert.ok(again.every((m) => m.value.operation === 'UPDATE' && m.value.after_data.v === 2));
        assert.equal(new Set(all.map((m) => m.value.event_id)).size, all.length);
      });
    });
  }
});
