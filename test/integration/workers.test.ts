import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { runCli, startCli } from '../helpers/cli.js';

/**
 * Issue 13: `cdc worker` processes share tables through BullMQ (docs/workers.md). Real worker
 * processes, real PostgreSQL and Redis; the stdout sink, so every event is attributed to the worker
 * that emitted it. Each test uses its own BullMQ prefix. The durations printed are the measured
 * numbers quoted in docs/workers.md.
 */
const REDIS = 'redis://127.0.0.1:6379/0';

type Worker = ReturnType<typeof startCli> & { pid: number };

function events(w: Worker): any[] {
  return w.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, workers: Worker[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${workers.map((w) => `--- worker ${w.pid}\n${w.stderr.slice(-2500)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('cdc worker: balance, failover, handover, fencing', () => {
  let db: TestDatabase;
  let redis: Redis;
  const started: Worker[] = [];
  const tables = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
  const prefixes: string[] = [];
  const newPrefix = () => {
    const p = `cdc-test-${randomUUID()}`;
    prefixes.push(p);
    return p;
  };

  before(async () => {
    db = await createPostgresDatabase();
    for (const t of tables) await db.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, v text)`);
    const r = await runCli(['install-triggers', '--source', db.url, '--table', tables.join(',')]);
    assert.equal(r.code, 0, r.stderr);
    redis = new Redis(REDIS);
  });
  after(async () => {
    for (const w of started) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    // The queues' keys go with the test (shared Redis).
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis?.quit();
    await db?.drop();
  });

  function startWorker(prefix: string, extra: string[] = []): Worker {
    const w = startCli(['worker', '--source', db.url, '--sink', 'stdout', '--schedule', '100ms', '--redis', REDIS, '--queue-prefix', prefix, ...extra]);
    const worker = Object.assign(w, { pid: w.child.pid! });
    started.push(worker);
    return worker;
  }

  /** table key → owning worker pid, for tables reported running by a live process. */
  async function owners(prefix: string): Promise<Map<string, number>> {
    const all = await redis.hgetall(`${prefix}:cdc-tables:cdc:tables`);
    const out = new Map<string, number>();
    for (const [key, json] of Object.entries(all)) {
      const v = JSON.parse(json);
      if (v.state === 'running') out.set(key, Number(/-(\d+)-[0-9a-f]+$/.exec(v.worker)![1]));
    }
    return out;
  }

  function perWorker(own: Map<string, number>): Map<number, number> {
    const n = new Map<number, number>();
    for (const pid of own.values()) n.set(pid, (n.get(pid) ?? 0) + 1);
    return n;
  }

  let nextId = 1;
  async function insertEverywhere(): Promise<number> {
    const id = nextId++;
    for (const t of tables) await db.exec(`INSERT INTO ${t} VALUES ($1, 'x')`, [id]);
    return id;
  }

  function delivered(workers: Worker[]): Set<string> {
    return new Set(workers.flatMap(events).map((e) => `${e.table_name}:${e.after_data?.id}`));
  }

  test('bad input: no --redis, or a URL that is not Redis, is one line and starts nothing', async () => {
    const none = await runCli(['worker', '--source', db.url, '--sink', 'stdout'], { CDC_REDIS_URL: '' });
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /needs --redis/);
    const bad = await runCli(['worker', '--source', db.url, '--sink', 'stdout', '--redis', 'http://127.0.0.1:6379']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid --redis URL "http:\/\/127\.0\.0\.1:6379\/?": expected redis:\/\/host:port\/db/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });

  test('tables spread over workers; a new worker takes its share; SIGTERM hands over at once; SIGKILL fails over', async () => {
    const prefix = newPrefix();
    const a = startWorker(prefix);
    const b = startWorker(prefix);
    const all = [a, b];
    let own = await waitFor(
      'all 6 tables owned',
      async () => {
        const o = await owners(prefix);
        return o.size === 6 && [...o.values()].every((p) => p === a.pid || p === b.pid) ? o : null;
      },
      60_000,
      all,
    );
    await waitFor('both workers own tables within the bound', async () => {
      own = await owners(prefix);
      const n = perWorker(own);
      return own.size === 6 && n.size === 2 && [...n.values()].every((c) => c <= Math.ceil(6 / 2) + 1);
    }, 30_000, all);
    const id1 = await insertEverywhere();
    await waitFor('first rows delivered', async () => tables.every((t) => delivered(all).has(`public.${t}:${id1}`)), 30_000, all);

    // A third worker joins: it takes its share within 30 s, nobody holds more than ⌈6/3⌉+1.
    const c = startWorker(prefix);
    all.push(c);
    const joinedAt = Date.now();
    await waitFor('the new worker owns tables', async () => {
      const n = perWorker(await owners(prefix));
      return (n.get(c.pid) ?? 0) >= 1 && [...n.values()].every((k) => k <= Math.ceil(6 / 3) + 1);
    }, 45_000, all);
    const joinMs = Date.now() - joinedAt;
    assert.ok(joinMs < 30_000, `new worker took its share after ${joinMs} ms`);

    // SIGTERM: the worker's tables go to the others at once, and it exits 0.
    const termAt = Date.now();
    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0, a.stderr);
    await waitFor("a SIGTERMed worker's tables owned elsewhere", async () => {
      const o = await owners(prefix);
      return o.size === 6 && [...o.values()].every((p) => p === b.pid || p === c.pid);
    }, 30_000, all);
    const handoverMs = Date.now() - termAt;
    assert.ok(handoverMs < 10_000, `handover took ${handoverMs} ms`);

    // SIGKILL: the job locks expire and BullMQ's stalled-job check gives the tables to the survivor.
    const killAt = Date.now();
    b.child.kill('SIGKILL');
    await b.exited;
    const id2 = await insertEverywhere();
    await waitFor("a SIGKILLed worker's tables drained elsewhere", async () => tables.every((t) => delivered([c]).has(`public.${t}:${id2}`)), 45_000, all);
    const failoverMs = Date.now() - killAt;
    assert.ok(failoverMs < 30_000, `failover took ${failoverMs} ms`);
    const n = perWorker(await owners(prefix));
    assert.deepEqual([...n.entries()], [[c.pid, 6]]);

    // Nothing lost: every row of every table reached the sink, duplicates only with one event_id.
    const byRow = new Map<string, Set<string>>();
    for (const e of all.flatMap(events)) {
      const k = `${e.table_name}:${e.after_data.id}`;
      byRow.set(k, (byRow.get(k) ?? new Set()).add(e.event_id));
    }
    for (const t of tables) for (const id of [id1, id2]) assert.equal(byRow.get(`public.${t}:${id}`)?.size, 1, `public.${t}:${id}`);
    assert.equal(await c.stop(), 0, c.stderr);
    console.log(`measured: join ${joinMs} ms, SIGTERM handover ${handoverMs} ms, SIGKILL failover ${failoverMs} ms`);
  });

  test('a worker SIGSTOPped past its job lock is fenced by the table lock; after SIGCONT it stops, nothing is lost', async () => {
    const prefix = newPrefix();
    const a = startWorker(prefix, ['--table', 'w1']);
    const id1 = await insertEverywhere();
    await waitFor('a delivers', async () => delivered([a]).has(`public.w1:${id1}`), 60_000, [a]);
    a.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const id2 = await insertEverywhere();
    const b = startWorker(prefix, ['--table', 'w1']);
    await waitFor('b takes the job after the lock expired', async () => (await owners(prefix)).get(`${db.name}/public.w1`) === b.pid, 60_000, [a, b]);
    const takenMs = Date.now() - stoppedAt;
    // b owns the job but not the table: a's database session still holds the advisory lock.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(events(b).length, 0, 'b emitted while the paused owner held the table lock');
    a.child.kill('SIGCONT');
    await waitFor('b delivers once a let go', async () => delivered([b]).has(`public.w1:${id2}`), 60_000, [a, b]);
    const id3 = await insertEverywhere();
    await waitFor('b delivers new rows', async () => delivered([b]).has(`public.w1:${id3}`), 30_000, [a, b]);
    assert.ok(!delivered([a]).has(`public.w1:${id3}`), 'the stale owner is still draining');
    assert.match(a.stderr, /job lock lost/);
    const ids = new Map<number, Set<string>>();
    for (const e of [...events(a), ...events(b)]) ids.set(e.after_data.id, (ids.get(e.after_data.id) ?? new Set()).add(e.event_id));
    for (const id of [id1, id2, id3]) assert.equal(ids.get(id)?.size, 1, `row ${id}: ${JSON.stringify([...(ids.get(id) ?? [])])}`);
    assert.equal(await b.stop(), 0, b.stderr);
    assert.equal(await a.stop(), 0, a.stderr);
    console.log(`measured: job taken from a SIGSTOPped worker after ${takenMs} ms`);
  });

  test('a table that fails for good is FAILED with its error in status; the other tables keep flowing', async () => {
    const prefix = newPrefix();
    const a = startWorker(prefix, ['--table', 'w3,w4', '--failed-retry', '600']);
    const id1 = await insertEverywhere();
    await waitFor('both tables delivered', async () => delivered([a]).has(`public.w3:${id1}`) && delivered([a]).has(`public.w4:${id1}`), 60_000, [a]);
    // The table and its change log dropped: reading its log fails with undefined_table, which no
    // retry cures. (Dropping only the captured table is not an error in trigger mode: its log
    // still drains what was captured, and status warns that its triggers are gone.)
    const [log] = await db.query<{ t: string }>(`SELECT log_table AS t FROM cdc.captured_tables WHERE table_name = 'public.w4'`);
    assert.ok(log, 'change log of w4 not found');
    await db.exec(`DROP TABLE w4; DROP TABLE cdc.${db.q(log.t)}`);
    const id2 = await insertEverywhere().catch(() => null);
    await db.exec(`INSERT INTO w3 VALUES (1000, 'after the drop')`);
    await waitFor('w3 keeps flowing', async () => delivered([a]).has('public.w3:1000'), 30_000, [a]);
    const status = await waitFor('w4 reported FAILED', async () => {
      const r = await runCli(['status', '--workers', REDIS, '--queue-prefix', prefix]);
      return /public\.w4\s+FAILED/.test(r.stdout) ? r.stdout : null;
    }, 30_000, [a]);
    assert.match(status, /public\.w3\s+RUNNING/);
    assert.match(status, /public\.w4\s+FAILED.*does not exist.*retry at/);
    const json = JSON.parse((await runCli(['status', '--workers', REDIS, '--queue-prefix', prefix, '--json'])).stdout);
    const w4 = json.workers.find((t: any) => t.key.endsWith('public.w4'));
    assert.equal(w4.state, 'failed');
    assert.equal(w4.workerAlive, true);
    assert.ok(id2 === null || !delivered([a]).has(`public.w4:${id2}`));
    assert.equal(await a.stop(), 0, a.stderr);
  });
});
