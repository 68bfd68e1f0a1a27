import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createToken, startServe, tempRegistry } from '../helpers/serve.js';
import { consumeAll, uniqueId } from '../helpers/kafka.js';
import { sleep } from '../helpers/postgres.js';

/**
 * Replay as a job through a real `cdc serve`: POST …/replay returns at once, the job runs the
 * existing replay code, and its topic holds exactly the window's events; bad requests are 4xx.
 */
describe('cdc serve replay jobs', () => {
  let src: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let token: string;
  const registry = tempRegistry();
  const sid = uniqueId('svcrep');

  before(async () => {
    src = await createPostgresDatabase();
    await src.exec('CREATE TABLE a (id int PRIMARY KEY)');
    await src.exec('CREATE TABLE b (id int PRIMARY KEY)');
    token = await createToken(registry, 'admin');
    serve = await startServe(registry);
  });
  after(async () => {
    const code = await serve?.stop();
    await src?.drop();
    assert.equal(code, 0, serve?.proc.stderr);
  });
  const api = (method: string, path: string, body?: unknown) => serve.api(method, path, { token, body });
  // With a condition, consumeAll first waits for every topic to exist: name only those written to yet.
  const drained = (n: number, tables = ['a', 'b']) => consumeAll(tables.map((t) => `cdc.${sid}.public.${t}`), { until: (m) => m.length >= n });

  test("a replay job's topic holds exactly the window's events", async () => {
    assert.equal((await api('POST', '/api/v1/sources', { db_type: 'postgresql', connection_string: src.url, tables: ['a', 'b'], source_id: sid })).status, 201);
    assert.equal((await api('POST', `/api/v1/sources/${sid}/start`)).status, 200);
    await src.exec('INSERT INTO a SELECT generate_series(1, 20)');
    await drained(20, ['a']);
    await sleep(1100);
    const from = new Date().toISOString();
    await src.exec('INSERT INTO a SELECT generate_series(21, 40)');
    await src.exec('INSERT INTO b SELECT generate_series(21, 30)');
    await drained(50);
    await sleep(1100);
    const to = new Date().toISOString();
    await src.exec('INSERT INTO a SELECT generate_series(41, 60)');
    await drained(70);

    const started = await api('POST', `/api/v1/sources/${sid}/replay`, { start_timestamp: from, end_timestamp: to });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.kafka_topic, `cdc.replay.${started.body.replay_id}`);
    const other = await api('POST', `/api/v1/sources/${sid}/replay`, { start_timestamp: from, end_timestamp: to, table_filter: ['public.b'] });
    assert.equal(other.status, 202, 'several replays may run');

    const waitDone = async (id: string) => {
      for (let i = 0; i < 300; i++) {
        const r = (await api('GET', `/api/v1/replays/${id}`)).body;
        if (r.status !== 'RUNNING') return r;
        await sleep(200);
      }
      throw new Error('replay did not finish');
    };
    const done = await waitDone(started.body.replay_id);
    assert.equal(done.status, 'DONE', JSON.stringify(done));
    assert.deepEqual(done.progress['public.a'], { scanned: done.progress['public.a'].scanned, copied: 20, done: true });
    assert.equal(done.progress['public.b'].copied, 10);
    const events = await consumeAll([started.body.kafka_topic], { until: (m) => m.length >= 30 });
    await sleep(500);
    const replayed = await consumeAll([started.body.kafka_topic], { idleMs: 1000 });
    assert.equal(replayed.length, 30, `then ${events.length}`);
    assert.deepEqual(replayed.map((m) => `${m.value.table_name}:${m.value.primary_key.id}`).sort(), [
      ...Array.from({ length: 20 }, (_, i) => `public.a:${i + 21}`),
      ...Array.from({ length: 10 }, (_, i) => `public.b:${i + 21}`),
    ].sort());

    const onlyB = await waitDone(other.body.replay_id);
    assert.equal(onlyB.status, 'DONE');
    assert.deepEqual(Object.keys(onlyB.progress), ['public.b']);
    assert.equal((await consumeAll([other.body.kafka_topic], { until: (m) => m.length >= 10 })).length, 10);
    assert.equal((await api('GET', '/api/v1/replays')).body.length, 2);
  });

  test('bad replay requests are 4xx naming the field', async () => {
    const bad = async (path: string, body: unknown, status: number, field: RegExp) => {
      const r = await api('POST', path, body);
      assert.equal(r.status, status, r.text);
      assert.match(r.body.error, field);
    };
    const path = `/api/v1/sources/${sid}/replay`;
    await bad(path, { start_timestamp: '2024-05-02T00:00:00Z', end_timestamp: '2024-05-01T00:00:00Z' }, 400, /^body\.end_timestamp: must be after start_timestamp/);
    await bad(path, { start_timestamp: 'yesterday' }, 400, /^body\.start_timestamp: expected an ISO-8601 time/);
    await bad(path, { start_timestamp: '2024-05-01T00:00:00Z', table_filter: ['public.zzz'] }, 400, /^body\.table_filter\.0: /);
    await bad(path, { start_timestamp: '2999-01-01T00:00:00Z' }, 400, /^body\.start_timestamp: must be in the past/);
    await bad('/api/v1/sources/nope/replay', { start_timestamp: '2024-05-01T00:00:00Z' }, 404, /^source_id: /);
    const missing = await api('GET', '/api/v1/replays/r000');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /^replay_id: /);
    assert.equal((await api('GET', '/api/v1/replays')).body.length, 2, 'nothing created');
  });
});
