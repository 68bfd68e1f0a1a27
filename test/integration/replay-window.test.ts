import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, testKafka, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { runCli, withCdcRun, type CliResult } from '../helpers/cli.js';
import { formatInstant, parseInstant } from '../../src/replay/window.js';

/**
 * `cdc replay` end to end: real PostgreSQL, triggers, `cdc run` into a 3-partition topic, then the
 * replay CLI. Three groups of changes are separated by 1.5 s pauses; the boundaries are read from
 * the database clock (the one the events' timestamps come from), and each group's events are known
 * by their transaction ids, independently of the replay's own filter.
 */
const PARTITIONS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cdc replay', () => {
  let db: TestDatabase;
  const sid = uniqueId('rp');
  const source = `cdc.${sid}.public.items`;
  const txids: Record<1 | 2 | 3, string[]> = { 1: [], 2: [], 3: [] };
  let b2 = '';
  let b3 = '';
  let all: ConsumedMessage[] = [];

  const dbNow = async () =>
    (await db.query(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`))[0].t as string;
  /** Runs one transaction of a group and remembers its id, which the events carry as transaction_id. */
  const tx = (group: 1 | 2 | 3, ...statements: string[]) =>
    db.transaction(async (exec) => {
      txids[group].push((await exec('SELECT pg_current_xact_id()::text AS x'))[0].x);
      for (const s of statements) await exec(s);
    });

  before(async () => {
    db = await createPostgresDatabase();
    await db.exec(`CREATE TABLE items (id int PRIMARY KEY, v text)`);
    const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'items']);
    assert.equal(installed.code, 0, installed.stderr);
    const run = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--partitions', String(PARTITIONS), '--schedule', '50ms'];
    all = await withCdcRun(run, async () => {
      await tx(1, `INSERT INTO items SELECT g, 'a' FROM generate_series(1, 8) g`);
      await tx(1, `UPDATE items SET v = 'b' WHERE id <= 4`);
      await sleep(1500);
      b2 = await dbNow();
      await tx(2, `UPDATE items SET v = 'c'`);
      await tx(2, `DELETE FROM items WHERE id IN (5, 6)`, `INSERT INTO items VALUES (9, 'c'), (10, 'c')`);
      await tx(2, `UPDATE items SET v = 'd' WHERE id = 9`, `UPDATE items SET v = 'e' WHERE id = 9`);
      await tx(2, `TRUNCATE items`); // keyless: the sink writes it to every partition
      await sleep(1500);
      b3 = await dbNow();
      await tx(3, `INSERT INTO items SELECT g, 'f' FROM generate_series(1, 4) g`);
      await tx(3, `UPDATE items SET v = 'g' WHERE id = 1`);
      const total = 12 + 14 + PARTITIONS + 5;
      return consumeAll([source], { until: (m) => m.length >= total, timeoutMs: 30_000 });
    });
  });
  after(async () => db?.drop());

  const replay = (...args: string[]) => runCli(['replay', '--kafka', KAFKA_BROKERS.join(','), ...args]);
  const ofGroup = (g: 1 | 2 | 3) => all.filter((m) => txids[g].includes(m.value.transaction_id));
  const byPartition = (ms: ConsumedMessage[]) => Array.from({ length: PARTITIONS }, (_, p) => ms.filter((m) => m.partition === p));
  const highWatermarks = async (topic: string) => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).map((o) => Number(o.high)).reduce((a, b) => a + b, 0);
    } finally {
      await admin.disconnect();
    }
  };

  test('Replay returns exactly the events of the window', async () => {
    const expected = ofGroup(2);
    assert.equal(expected.length, 14 + PARTITIONS);
    assert.ok(new Set(expected.map((m) => m.partition)).size > 1, 'the window spans several partitions');

    const target = uniqueId('replayed');
    const r = await replay('--source-id', sid, '--table', 'public.items', '--from', b2, '--to', b3, '--topic', target);
    assert.equal(r.code, 0, r.stderr);
    const [from, to] = [b2, b3].map((t) => formatInstant(parseInstant(t)!));
    assert.equal(r.stdout, `replayed ${expected.length} events of ${source} [${from}, ${to}) into ${target}\n`);
    assert.match(r.stderr, /"msg":"replay done"/);

    assert.equal(await highWatermarks(target), expected.length, 'nothing more than the window was written');
    const got = await consumeAll([target], { until: (m) => m.length >= expected.length, timeoutMs: 20_000 });
    assert.deepEqual(new Set(got.map((m) => m.value.event_id)), new Set(expected.map((m) => m.value.event_id)));
    // Same partition count, so each target partition mirrors its source partition, in order.
    const want = byPartition(expected);
    byPartition(got).forEach((msgs, p) => {
      assert.equal(msgs.length, want[p]!.length, `partition ${p}`);
      msgs.forEach((m, i) => {
        const src = want[p]![i]!;
        assert.equal(m.key, src.key);
        assert.deepEqual(m.value, src.value);
        assert.deepEqual(m.headers, { ...src.headers, 'cdc.replayed_from': `${source}/${p}/${src.offset}` });
      });
    });

    const admin = testKafka().admin();
    await admin.connect();
    const groups = (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith('cdc-replay-'));
    await admin.disconnect();
    assert.deepEqual(groups, [], 'the throwaway consumer group is deleted');
  });

  test('without --to the window ends when the replay starts; --from-topic names the topic directly', async () => {
    const target = uniqueId('replayed');
    const r = await replay('--from-topic', source, '--from', b3, '--topic', target);
    assert.equal(r.code, 0, r.stderr);
    const expected = ofGroup(3);
    const from = formatInstant(parseInstant(b3)!);
    assert.match(r.stdout, new RegExp(`^replayed ${expected.length} events of ${source} \\[${from}, \\S+\\) into ${target}\\n$`));
    const got = await consumeAll([target], { until: (m) => m.length >= expected.length, timeoutMs: 20_000 });
    assert.deepEqual(got.map((m) => m.value.event_id).sort(), expected.map((m) => m.value.event_id).sort());
  });

  test('bad input: one-line error, non-zero exit, nothing produced', async () => {
    const before = await highWatermarks(source);
    const oneLine = (res: CliResult, pattern: RegExp) => {
      assert.notEqual(res.code, 0, res.stdout);
      assert.equal(res.stdout, '');
      const lines = res.stderr.trim().split('\n');
      assert.equal(lines.length, 1, res.stderr);
      assert.match(lines[0]!, pattern);
    };
    oneLine(await replay('--from-topic', source, '--from', b2, '--topic', source), /--topic must differ from the source topic/);
    oneLine(await replay('--from-topic', source, '--from', 'yesterday', '--topic', uniqueId('x')), /--from must be an ISO-8601 time/);
    oneLine(await replay('--from-topic', source, '--from', b3, '--to', b2, '--topic', uniqueId('x')), /--to .* must be later than --from/);
    const missing = uniqueId('x');
    oneLine(await replay('--source-id', sid, '--table', 'items', '--from', b2, '--topic', missing), /topic cdc\.\w+\.items does not exist/);
    oneLine(await runCli(['replay', '--kafka', '127.0.0.1:1', '--from-topic', source, '--from', b2, '--topic', missing, '--connect-timeout', '1']), /cannot reach Kafka at 127\.0\.0\.1:1/);

    const admin = testKafka().admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    assert.ok(!topics.includes(missing), 'no target topic was created');
    assert.ok(!topics.includes(`cdc.${sid}.items`), 'asking about an unknown topic did not create it');
    assert.equal(await highWatermarks(source), before, 'the source topic is untouched');
  });
});
