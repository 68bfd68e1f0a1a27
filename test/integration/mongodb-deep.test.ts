import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';

/**
 * Issue 11 item 3 for the oplog: a document nested past cdc's decoder limit (1000 levels; real
 * MongoDB stores at most 100, mongo-java-server more) used to stop the collection. It now fails
 * its one change, keyed by _id, and the changes behind it arrive.
 */
let m: MongoTestDatabase;

before(async () => {
  m = await createMongoTestDatabase();
  await m.db.createCollection('docs');
});

after(async () => m?.drop());

test('a too-deep document is dead-lettered by its _id; the changes behind it are delivered', async () => {
  const r = await runCli(['register', '--table', 'docs', '--source', m.url]);
  assert.equal(r.code, 0, r.stderr);
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 1100; i++) deep = { d: deep };
  const sid = uniqueId('mdeep');
  const topic = `cdc.${sid}.${m.name}.docs`;
  const docs = m.db.collection<any>('docs');
  await withCdcRun(['run', '--source', m.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms', '--on-oversize', 'dead-letter'], async () => {
    await docs.insertOne({ _id: 1, v: 'a' });
    await docs.insertOne({ _id: 2, deep }, { checkKeys: false });
    await docs.insertOne({ _id: 3, v: 'c' });
    const events = await consumeAll([topic], { until: (x) => x.length >= 2, timeoutMs: 30_000 });
    assert.deepEqual(events.map((e) => e.value.primary_key._id), [1, 3]);
    const dead = await consumeAll([`${topic}.dlq`], { until: (x) => x.length >= 1, timeoutMs: 30_000 });
    assert.deepEqual(dead.map((d) => d.value.primary_key), [{ _id: 2 }]);
    assert.match(dead[0]!.value.reason, /a document nests deeper than cdc decodes \(1000 levels\)/);
  });
});
