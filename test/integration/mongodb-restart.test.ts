import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';
import { consumeAll, KAFKA_BROKERS, uniqueId, topicOffset } from '../helpers/kafka.js';
import { runCli, startCli, withCdcRun } from '../helpers/cli.js';

/**
 * SIGKILL `cdc run` while it drains a backlog, twice, change more while it is down, then let it
 * finish: every change arrives, a change delivered twice carries the same event_id, and sequence
 * numbers keep increasing across the restarts (the resume token checkpoint, not the oplog's start).
 */
const DOCS = 6000;
const UPDATED = 50;
const LATE = 200;


describe('mongodb oplog: resume after SIGKILL', () => {
  let m: MongoTestDatabase;
  before(async () => {
    m = await createMongoTestDatabase();
    await m.db.createCollection('items');
    const inst = await runCli(['install-triggers', '--source', m.url, '--table', 'items']);
    assert.equal(inst.code, 0, inst.stderr);
    for (let start = 0; start < DOCS; start += 1000) {
      await m.db.collection<any>('items').insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: start + i, payload: 'p'.repeat(100) })));
    }
  });
  after(async () => m?.drop());

  test('nothing lost, redeliveries keep their event_id', async () => {
    const sid = uniqueId('mrs');
    const topic = `cdc.${sid}.${m.name}.items`;
    const args = ['run', '--source', m.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--batch-size', '100'];
    for (let kill = 1; kill <= 2; kill++) {
      const before = await topicOffset(topic);
      const run = startCli(args);
      const deadline = Date.now() + 30_000;
      while ((await topicOffset(topic)) < before + 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await run.kill();
      const status = JSON.parse((await runCli(['status', '--source', m.url, '--json'])).stdout);
      assert.ok(status[0].backlog > 0, `kill ${kill} came after the backlog was drained; the test proves nothing`);
    }
    // Changes while cdc is down: updates of early documents and new inserts.
    const items = m.db.collection<any>('items');
    for (let id = 0; id < UPDATED; id++) await items.updateOne({ _id: id }, { $set: { payload: 'updated' } });
    await items.insertMany(Array.from({ length: LATE }, (_, i) => ({ _id: DOCS + i, payload: 'late' })));

    const total = DOCS + UPDATED + LATE;
    await withCdcRun(args, async () => {
      const msgs = await consumeAll([topic], { until: (x) => new Set(x.map((y) => y.value.source.position)).size >= total, timeoutMs: 90_000 });
      const byChange = new Map<string, Set<string>>();
      for (const x of msgs) byChange.set(x.value.source.position, (byChange.get(x.value.source.position) ?? new Set()).add(x.value.event_id));
      assert.equal(byChange.size, total, 'every change delivered');
      assert.deepEqual([...byChange].filter(([, ids]) => ids.size !== 1), [], 'a redelivered change keeps its event_id');
      const inserted = new Set(msgs.filter((x) => x.value.operation === 'INSERT').map((x) => x.value.primary_key._id));
      assert.equal(inserted.size, DOCS + LATE);
      const updates = msgs.filter((x) => x.value.operation === 'UPDATE');
      assert.ok(updates.every((x) => x.value.after_data.payload === 'updated'));
      assert.equal(new Set(updates.map((x) => x.value.primary_key._id)).size, UPDATED);
      const seqs = msgs.map((x) => BigInt(x.value.sequence_number));
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'sequence numbers increase in topic order, across restarts');
      console.log(`# mongodb: ${total} changes, ${msgs.length - total} redelivered after 2 SIGKILLs`);
    });
    const status = JSON.parse((await runCli(['status', '--source', m.url, '--json'])).stdout);
    assert.equal(status[0].backlog, 0);
  });
});
