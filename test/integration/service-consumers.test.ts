import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createToken, startServe, tempRegistry } from '../helpers/serve.js';
import { consumeAll, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';

/**
 * Consumers through a real `cdc serve`: each consumer's topic holds exactly its source's events
 * that match its filters (table, column, operation), in per-key order, and keeps doing so across a
 * SIGKILL of the serve process that runs its router (the router resumes from committed offsets).
 */
describe('cdc serve consumers', () => {
  let src: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let token: string;
  const registry = tempRegistry();
  const sid = uniqueId('svccons');

  before(async () => {
    src = await createPostgresDatabase();
    await src.exec('CREATE TABLE items (id int PRIMARY KEY, name text, secret text)');
    await src.exec('CREATE TABLE other (id int PRIMARY KEY, v int)');
    token = await createToken(registry, 'admin');
    serve = await startServe(registry);
  });
  after(async () => {
    const code = await serve?.stop();
    await src?.drop();
    assert.equal(code, 0, serve?.proc.stderr);
  });

  const api = (method: string, path: string, body?: unknown) => serve.api(method, path, { token, body });
  const byEventId = (ms: ConsumedMessage[]) => new Map(ms.map((m) => [m.value.event_id as string, m.value]));

  test('each consumer gets exactly its matching events, per key in order, across a SIGKILL of cdc serve', async () => {
    assert.equal((await api('POST', '/api/v1/sources', { db_type: 'postgresql', connection_string: src.url, tables: ['items', 'other'], source_id: sid, options: { schedule: '50ms' } })).status, 201);
    const narrow = await api('POST', '/api/v1/consumers', { source_id: sid, table_filter: ['public.items'], column_filter: ['name'], operation_filter: ['INSERT', 'UPDATE'] });
    assert.equal(narrow.status, 201, narrow.text);
    const everything = await api('POST', '/api/v1/consumers', { source_id: sid });
    assert.equal(everything.status, 201, everything.text);
    const narrowTopic: string = narrow.body.kafka_topic;
    const allTopic: string = everything.body.kafka_topic;
    assert.equal(narrowTopic, `cdc.consumer.${narrow.body.consumer_id}`);

    assert.equal((await api('POST', `/api/v1/sources/${sid}/start`)).status, 200);
    await src.exec(`INSERT INTO items SELECT g, 'n' || g, 's' || g FROM generate_series(1, 20) g`);
    await src.exec(`INSERT INTO other SELECT g, g FROM generate_series(1, 5) g`);
    await src.exec(`UPDATE items SET name = 'changed' WHERE id <= 5`);
    await src.exec(`DELETE FROM items WHERE id > 15`);
    // 20 inserts + 5 updates of items; everything: also 5 inserts of other and 5 deletes.
    const narrowFirst = byEventId(await consumeAll([narrowTopic], { until: (m) => byEventId(m).size >= 25, timeoutMs: 120_000 }));
    assert.equal(narrowFirst.size, 25);
    assert.equal(byEventId(await consumeAll([allTopic], { until: (m) => byEventId(m).size >= 35, timeoutMs: 120_000 })).size, 35);

    // The process running capture and both routers dies; a new one picks up the started source
    // and the consumers from the registry.
    serve.proc.child.kill('SIGKILL');
    await new Promise((r) => serve.proc.child.once('exit', r));
    await src.exec(`INSERT INTO items SELECT g, 'n' || g, 's' || g FROM generate_series(21, 30) g`);
    await src.exec(`DELETE FROM other WHERE id = 1`);
    serve = await startServe(registry);

    const narrowAll = await consumeAll([narrowTopic], { until: (m) => byEventId(m).size >= 35, timeoutMs: 120_000 });
    const allAll = await consumeAll([allTopic], { until: (m) => byEventId(m).size >= 46, timeoutMs: 120_000 });
    const settledNarrow = await consumeAll([narrowTopic], { idleMs: 2000 });
    const settledAll = await consumeAll([allTopic], { idleMs: 2000 });
    assert.ok(narrowAll.length > 0 && allAll.length > 0);

    // Exactly the matching events: the narrow consumer holds items' INSERTs and UPDATEs only,
    // projected to the key and `name`; the other holds every event of both tables.
    const narrowEvents = [...byEventId(settledNarrow).values()];
    assert.equal(narrowEvents.length, 35);
    for (const e of narrowEvents) {
      assert.equal(e.table_name, 'public.items');
      assert.ok(e.operation === 'INSERT' || e.operation === 'UPDATE', e.operation);
      assert.deepEqual(Object.keys(e.after_data).sort(), ['id', 'name']);
      if (e.before_data) assert.deepEqual(Object.keys(e.before_data).sort(), ['id', 'name']);
    }
    const allEvents = [...byEventId(settledAll).values()];
    assert.equal(allEvents.length, 46);
    assert.deepEqual(
      allEvents.map((e) => `${e.table_name}:${e.operation}`).reduce((n: Record<string, number>, k) => ({ ...n, [k]: (n[k] ?? 0) + 1 }), {}),
      { 'public.items:INSERT': 30, 'public.items:UPDATE': 5, 'public.items:DELETE': 5, 'public.other:INSERT': 5, 'public.other:DELETE': 1 },
    );
    // Redelivery after the SIGKILL (capture is at-least-once) repeats an event with its event_id,
    // never a different one; per key, first deliveries keep the source's order.
    for (const messages of [settledNarrow, settledAll]) {
      const seen = new Set<string>();
      const lastSeq = new Map<string, bigint>();
      for (const m of messages) {
        if (seen.has(m.value.event_id)) continue;
        seen.add(m.value.event_id);
        const key = `${m.value.table_name}/${JSON.stringify(m.value.primary_key)}`;
        const seq = BigInt(m.value.sequence_number);
        assert.ok((lastSeq.get(key) ?? -1n) < seq, `per-key order of ${key}`);
        lastSeq.set(key, seq);
      }
    }
    const updated = narrowEvents.filter((e) => e.operation === 'UPDATE').map((e) => e.after_data.name);
    assert.deepEqual(updated, ['changed', 'changed', 'changed', 'changed', 'changed']);
  });
});
