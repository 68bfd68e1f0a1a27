import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidEvent } from '../helpers/event-schema.js';
import { consumeAll, KAFKA_BROKERS, testKafka, topicOffset, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { createTestDatabase, sleep, testLogger, type TestDatabase } from '../helpers/postgres.js';
import { runCli, startCli, withCdcRun } from '../helpers/cli.js';
import { startConsumerRoute } from '../../adapters/kafka/consumer-route.js';
import { PrometheusMetrics } from '../../src/observability/prometheus.js';
import { NO_KAFKA_SECURITY } from '../../src/config/kafka-settings.js';
import type { ConsumerOperation, ConsumerRoute } from '../../src/core/consumer-route.js';

/**
 * Consumer routes against a real source: PostgreSQL with triggers, drained by a real `cdc run`
 * into 3-partition topics, then routed into cdc.consumer.<id> topics and read back read_committed.
 */
const BULK_ROWS = 12_000;
/** Many small transactions, so a SIGKILL lands in the middle of the stream. */
const SMALL_BATCHES = { CDC_ROUTE_MAX_BATCH_BYTES: '16384' };
const kafka = { brokers: KAFKA_BROKERS, security: NO_KAFKA_SECURITY, clientId: 'cdc-route-test' };

describe('consumer routes', () => {
  let db: TestDatabase;
  let sid: string;
  let topics: { users: string; orders: string; bulk: string };
  /** Every event of the source, per topic in partition order. */
  let source: ConsumedMessage[];

  before(async () => {
    db = await createTestDatabase();
    sid = uniqueId('route');
    topics = { users: `cdc.${sid}.public.users`, orders: `cdc.${sid}.public.orders`, bulk: `cdc.${sid}.public.bulk` };
    const c = await db.client();
    await c.query('CREATE TABLE users (id int PRIMARY KEY, name text, email text, status text)');
    await c.query('CREATE TABLE orders (id int PRIMARY KEY, user_id int, total int)');
    await c.query('CREATE TABLE bulk (id int PRIMARY KEY, payload text)');
    const inst = await runCli(['install-triggers', '--source', db.url, '--table', 'users,orders,bulk']);
    assert.equal(inst.code, 0, inst.stderr);
    // Several changes per key, interleaved across tables, so per-key order means something.
    await c.query(`INSERT INTO users SELECT g, 'name' || g, 'u' || g || '@x.test', 'new' FROM generate_series(1, 300) g`);
    await c.query(`INSERT INTO orders SELECT g, g % 300 + 1, g * 10 FROM generate_series(1, 200) g`);
    for (let round = 1; round <= 3; round++) {
      await c.query(`UPDATE users SET status = 'r${round}', name = name || '${round}' WHERE id % ${round + 1} = 0`);
      await c.query(`UPDATE orders SET total = total + ${round} WHERE id % ${round + 2} = 0`);
    }
    await c.query('DELETE FROM users WHERE id % 7 = 0');
    await c.query('DELETE FROM orders WHERE id % 9 = 0');
    for (let start = 1; start <= BULK_ROWS; start += 2000) {
      await c.query(`INSERT INTO bulk SELECT g, repeat('b', 200) FROM generate_series(${start}, ${start + 1999}) g`);
    }
    const args = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--partitions', '3', '--table', 'users,orders,bulk'];
    await withCdcRun(args, async () => {
      const deadline = Date.now() + 180_000;
      while ((await topicOffset(topics.bulk)) < BULK_ROWS && Date.now() < deadline) await sleep(500);
      // The small tables drain first; wait until the source is quiet.
      const status = async () => JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout) as { backlog: number }[];
      while ((await status()).some((t) => t.backlog > 0) && Date.now() < deadline) await sleep(500);
    });
    source = await consumeAll([topics.users, topics.orders, topics.bulk], { idleMs: 2000, timeoutMs: 120_000 });
    assert.ok(source.filter((m) => m.topic === topics.bulk).length >= BULK_ROWS, 'the bulk table is in Kafka');
  });
  after(async () => db?.drop());

  /** What a consumer with these filters must receive, computed from the source independently of the router. */
  function expected(route: Pick<ConsumerRoute, 'tables' | 'operations' | 'columns'>, from = source): ConsumedMessage[] {
    const asOp: Record<string, ConsumerOperation> = { INSERT: 'INSERT', SNAPSHOT: 'INSERT', UPDATE: 'UPDATE', DELETE: 'DELETE', TRUNCATE: 'DELETE' };
    return from.filter((m) => (route.tables.length === 0 || route.tables.includes(m.value.table_name)) && (route.operations.length === 0 || route.operations.includes(asOp[m.value.operation]!)));
  }

  /** Per key (table + key), the event_ids in the order a reader sees them. */
  function perKey(messages: ConsumedMessage[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const m of messages) {
      const k = `${m.value.table_name} ${m.key}`;
      out.set(k, [...(out.get(k) ?? []), m.value.event_id]);
    }
    return out;
  }

  const cases: { name: string; tables: string[]; columns: string[]; operations: ConsumerOperation[] }[] = [
    { name: 'no filter', tables: [], columns: [], operations: [] },
    { name: 'table filter', tables: ['public.users'], columns: [], operations: [] },
    { name: 'column filter', tables: [], columns: ['status'], operations: [] },
    { name: 'operation filter', tables: [], columns: [], operations: ['UPDATE', 'DELETE'] },
    { name: 'combined filters', tables: ['public.users', 'public.orders'], columns: ['total', 'email'], operations: ['DELETE', 'INSERT'] },
  ];

  for (const c of cases) {
    test(`${c.name}: exactly the matching events, in per-key order`, async () => {
      const id = uniqueId('c');
      const route: ConsumerRoute = { consumerId: id, sourceTopics: Object.values(topics), targetTopic: `cdc.consumer.${id}`, ...c };
      const want = expected(route);
      const running = await startConsumerRoute(route, kafka, testLogger());
      let got: ConsumedMessage[];
      try {
        got = await consumeAll([route.targetTopic], { until: (m) => m.length >= want.length, timeoutMs: 120_000 });
        await sleep(1000); // anything beyond the expected count would be a wrong extra event
        got = await consumeAll([route.targetTopic], { idleMs: 1500 });
      } finally {
        await running.stop();
      }
      assert.equal(got.length, want.length, 'as many events as the filters select');
      assert.deepEqual(new Set(got.map((m) => m.value.event_id)), new Set(want.map((m) => m.value.event_id)), 'the same events');
      assert.deepEqual(perKey(got), perKey(want), 'each key sees its changes in source order');
      const admin = testKafka().admin();
      await admin.connect();
      const [meta] = (await admin.fetchTopicMetadata({ topics: [route.targetTopic] })).topics;
      await admin.disconnect();
      assert.equal(meta!.partitions.length, 3, 'the consumer topic has the sources\' partition count');
      const byId = new Map(want.map((m) => [m.value.event_id, m]));
      for (const m of got) {
        assertValidEvent(m.value);
        const original = byId.get(m.value.event_id)!;
        assert.equal(m.key, original.key, 'same message key');
        if (c.columns.length === 0) {
          assert.deepEqual(m.value, original.value, 'unfiltered columns: the event unchanged');
          continue;
        }
        const keep = new Set([...c.columns, ...Object.keys(original.value.primary_key)]);
        for (const image of ['before_data', 'after_data'] as const) {
          const o = original.value[image] as Record<string, unknown> | null;
          const want = o === null ? null : Object.fromEntries(Object.entries(o).filter(([k]) => keep.has(k)));
          assert.deepEqual(m.value[image], want, `${image} projected to the columns plus the key`);
        }
        assert.deepEqual({ ...m.value, before_data: null, after_data: null }, { ...original.value, before_data: null, after_data: null }, 'the rest of the event unchanged');
      }
      if (c.columns.includes('status')) assert.ok(got.some((m) => m.value.after_data && 'status' in m.value.after_data && !('name' in m.value.after_data)), 'projection took effect');
    });
  }

  test('cdc route survives SIGKILL mid-stream: nothing lost, nothing twice, resumes from committed offsets', async () => {
    const id = uniqueId('k');
    const target = `cdc.consumer.${id}`;
    const args = ['route', '--kafka', KAFKA_BROKERS.join(','), '--consumer-id', id, '--source-topic', Object.values(topics).join(','), '--table', 'public.bulk', '--table', 'public.users', '--column', 'payload'];
    const want = expected({ tables: ['public.bulk', 'public.users'], operations: [], columns: ['payload'] });
    // Kill until one kill has landed inside a transaction (its records are in the log, aborted),
    // so the abort of a killed router's transaction is exercised, not just a kill between two.
    let aborted = 0;
    let kills = 0;
    // Each round lets the router move ~500 records past where it started, then kills it within
    // 50 ms: short enough that a fast, quiet machine still has work left after a dozen rounds.
    for (let kill = 1; kill <= 2 || (aborted === 0 && kill <= 12); kill++) {
      const startOffset = await topicOffset(target);
      const router = startCli(args, SMALL_BATCHES);
      const deadline = Date.now() + 60_000;
      while ((await topicOffset(target)) < startOffset + 500 && Date.now() < deadline) await sleep(10);
      await sleep(Math.floor(Math.random() * 50));
      await router.kill();
      kills = kill;
      const committed = (await consumeAll([target], { idleMs: 1000 })).length;
      assert.ok(committed < want.length, `kill ${kill} came after everything was routed; the test proves nothing`);
      aborted = (await countUncommitted(target)) - committed;
    }
    assert.ok(aborted > 0, 'no kill landed inside a transaction: the test would not prove exactly-once');
    console.log(`# ${kills} SIGKILLs; ${aborted} records of transactions they left open are in the log, aborted`);
    const router = startCli(args, SMALL_BATCHES);
    let got: ConsumedMessage[];
    try {
      got = await consumeAll([target], { until: (m) => m.length >= want.length, timeoutMs: 120_000 });
      await sleep(1500);
      got = await consumeAll([target], { idleMs: 1500 });
    } finally {
      assert.equal(await router.stop(), 0, `graceful stop exits 0; stderr: ${router.stderr.slice(-2000)}`);
    }
    const ids = got.map((m) => m.value.event_id);
    assert.equal(new Set(ids).size, want.length, 'every selected event arrived');
    assert.equal(ids.length, want.length, 'no event twice (exactly-once across SIGKILL)');
    assert.deepEqual(perKey(got), perKey(want), 'per-key order kept');
    // The group's committed offsets are the end of every source partition, so a restart routes nothing again.
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId: `cdc.consumer.${id}`, topics: Object.values(topics) });
      for (const t of committed) {
        const ends = await admin.fetchTopicOffsets(t.topic);
        for (const p of t.partitions) assert.equal(p.offset, ends.find((e) => e.partition === p.partition)!.high, `${t.topic}/${p.partition} committed to its end`);
      }
    } finally {
      await admin.disconnect();
    }
    const again = startCli(args);
    await sleep(8000);
    assert.equal(await again.stop(), 0);
    assert.equal((await consumeAll([target], { idleMs: 1000 })).length, want.length, 'a restart resumes from the committed offsets: nothing routed twice');
  });

  test('two routers of one consumer share the partitions; stopping one hands its partitions over with nothing lost or twice', async () => {
    const id = uniqueId('s');
    const target = `cdc.consumer.${id}`;
    const args = ['route', '--kafka', KAFKA_BROKERS.join(','), '--consumer-id', id, '--source-topic', Object.values(topics).join(','), '--table', 'public.bulk'];
    const want = expected({ tables: ['public.bulk'], operations: [], columns: [] });
    const a = startCli(args, SMALL_BATCHES);
    const b = startCli(args, SMALL_BATCHES);
    let got: ConsumedMessage[];
    try {
      const admin = testKafka().admin();
      await admin.connect();
      let members = 0;
      for (const deadline = Date.now() + 60_000; members < 2 && Date.now() < deadline; await sleep(200)) {
        members = (await admin.describeGroups([`cdc.consumer.${id}`])).groups[0]?.members.length ?? 0;
      }
      await admin.disconnect();
      assert.equal(members, 2, 'both routers are members of the consumer group');
      assert.ok((await topicOffset(target)) < want.length, 'the hand-over happens mid-stream');
      assert.equal(await a.stop(), 0, `graceful stop exits 0; stderr: ${a.stderr.slice(-2000)}`);
      got = await consumeAll([target], { until: (m) => m.length >= want.length, timeoutMs: 120_000 });
      await sleep(1500);
      got = await consumeAll([target], { idleMs: 1500 });
    } finally {
      await a.stop();
      assert.equal(await b.stop(), 0, `graceful stop exits 0; stderr: ${b.stderr.slice(-2000)}`);
    }
    assert.equal(new Set(got.map((m) => m.value.event_id)).size, want.length, 'every selected event arrived');
    assert.equal(got.length, want.length, 'no event twice');
    assert.deepEqual(perKey(got), perKey(want), 'per-key order kept');
  });

  test('a record that is not a change event is skipped with a warning; a Debezium source is refused', async () => {
    const bad = `cdc.${uniqueId('bad')}.public.t`;
    const producer = testKafka().producer();
    await producer.connect();
    const good = source.find((m) => m.topic === topics.users && m.value.operation === 'INSERT')!;
    await producer.send({
      topic: bad,
      messages: [
        { key: '{"id":1}', value: 'not json' },
        { key: '{"id":1}', value: JSON.stringify({ hello: 'world' }) },
        { key: good.key, value: JSON.stringify(good.value) },
      ],
    });
    const id = uniqueId('m');
    const logger = testLogger();
    const metrics = new PrometheusMetrics();
    const running = await startConsumerRoute({ consumerId: id, sourceTopics: [bad], targetTopic: `cdc.consumer.${id}`, tables: [], columns: [], operations: [] }, kafka, logger, metrics);
    try {
      const got = await consumeAll([`cdc.consumer.${id}`], { until: (m) => m.length >= 1, timeoutMs: 60_000 });
      assert.deepEqual(got.map((m) => m.value.event_id), [good.value.event_id]);
    } finally {
      await running.stop();
    }
    const text = await metrics.registry.metrics();
    assert.match(text, new RegExp(`cdc_consumer_skipped_total\\{consumer="${id}"\\} 2\\n`));
    assert.match(text, new RegExp(`cdc_consumer_routed_total\\{consumer="${id}"\\} 1\\n`));
    assert.equal(logger.warnings.filter((w) => (w as { msg?: string }).msg === 'skipped a record that is not a change event').length, 2, JSON.stringify(logger.warnings));

    const dbz = `cdc.${uniqueId('dbz')}.public.t`;
    await producer.send({ topic: dbz, messages: [{ key: '{"id":1}', value: JSON.stringify({ before: null, after: { id: 1 }, source: { table: 't' }, op: 'c', ts_ms: 1 }) }] });
    await producer.disconnect();
    const did = uniqueId('d');
    const refused = await startConsumerRoute({ consumerId: did, sourceTopics: [dbz], targetTopic: `cdc.consumer.${did}`, tables: [], columns: [], operations: [] }, kafka, testLogger());
    await assert.rejects(refused.finished, /Debezium envelopes/);
    const cli = await runCli(['route', '--kafka', KAFKA_BROKERS.join(','), '--consumer-id', uniqueId('d'), '--source-topic', dbz]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /^cdc: the source topic carries Debezium envelopes .*\(cdc\.dbz\w+\.public\.t\/0\/0\)$/m);
  });

  test('bad flags: one line, non-zero exit, nothing started', async () => {
    const k = KAFKA_BROKERS.join(',');
    const cases: [string[], RegExp][] = [
      [['route', '--consumer-id', 'a', '--source-topic', topics.users], /missing --kafka/],
      [['route', '--kafka', k, '--source-topic', topics.users], /missing --consumer-id/],
      [['route', '--kafka', k, '--consumer-id', 'a'], /missing --source-topic/],
      [['route', '--kafka', k, '--consumer-id', 'a b', '--source-topic', topics.users], /--consumer-id: consumer id "a b" is invalid/],
      [['route', '--kafka', k, '--consumer-id', 'a', '--source-topic', topics.users, '--operation', 'UPSERT'], /--operation: operation "UPSERT" is not one of INSERT, UPDATE, DELETE/],
      [['route', '--kafka', k, '--consumer-id', 'a', '--source-topic', topics.users, '--table', 'users'], /--table: table "users" must be qualified/],
      [['route', '--kafka', k, '--consumer-id', 'a', '--source-topic', 'cdc.consumer.a'], /cannot read its own output/],
      [['route', '--kafka', k, '--consumer-id', uniqueId('n'), '--source-topic', `cdc.${uniqueId('none')}.public.t`], /do not exist yet/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
  });
});

/** Data records of `topic` read with isolation read_uncommitted (records of open and aborted transactions included). */
async function countUncommitted(topic: string): Promise<number> {
  const consumer = testKafka().consumer({ groupId: uniqueId('u'), readUncommitted: true });
  let count = 0;
  let last = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async () => {
        count++;
        last = Date.now();
      },
    });
    const start = Date.now();
    while ((count === 0 || Date.now() - last < 1500) && Date.now() - start < 30_000) await sleep(100);
  } finally {
    await consumer.disconnect();
  }
  return count;
}
