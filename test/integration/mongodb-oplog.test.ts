import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { ObjectId } from 'mongodb';
import { openMongo } from '../../adapters/mongodb/index.js';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';
import { consumeAll, KAFKA_BROKERS, uniqueId, type ConsumedMessage } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { assertValidEvent } from '../helpers/event-schema.js';

/**
 * MongoDB change-stream capture end to end, through the real CLI, mongo-java-server and Kafka:
 * register → changes (some before the first run) → events on `cdc.<source_id>.<db>.<collection>`,
 * then status and uninstall.
 */
describe('mongodb oplog capture end to end', () => {
  let m: MongoTestDatabase;
  const cli = (...args: string[]) => runCli([...args, '--source', m.url]);

  before(async () => {
    m = await createMongoTestDatabase();
    await m.db.createCollection('users');
    await m.db.createCollection('orders');
    await m.db.createCollection('dropme');
  });
  after(async () => m?.drop());

  test('register registers collections, idempotently; install-triggers still does, with a deprecation line', async () => {
    const first = await cli('register', '--table', 'users,orders');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '');
    assert.match(first.stdout, new RegExp(`^registered: ${m.name}\\.users \\(key: _id\\)$`, 'm'));
    assert.match(first.stdout, new RegExp(`^registered: ${m.name}\\.orders \\(key: _id\\)$`, 'm'));
    const again = await cli('register', '--table', `${m.name}.users`);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^already registered: .*\.users/m);
    const old = await cli('install-triggers', '--table', 'dropme');
    assert.equal(old.code, 0, old.stderr);
    assert.match(old.stdout, new RegExp(`^installed: ${m.name}\\.dropme \\(key: _id\\)$`, 'm'));
    assert.match(old.stderr, /^cdc: install-triggers on MongoDB is deprecated \(nothing is installed there\): use cdc register\n$/);
  });

  test('inserts, updates, replaces and deletes arrive as events, including changes made before the first run', async () => {
    // Any _id type: the test mixes ObjectId, number and string keys.
    const users = m.db.collection<any>('users');
    const ada = new ObjectId();
    // Made after install, before any `cdc run`: the first run must start at the registration.
    await users.insertOne({ _id: ada, name: 'ada', langs: ['en'], profile: { city: 'London' } });
    await users.updateOne({ _id: ada }, { $set: { name: 'ada lovelace' } });

    const sid = uniqueId('mgo');
    const usersTopic = `cdc.${sid}.${m.name}.users`;
    const ordersTopic = `cdc.${sid}.${m.name}.orders`;
    const dropTopic = `cdc.${sid}.${m.name}.dropme`;
    let msgs: ConsumedMessage[] = [];
    await withCdcRun(['run', '--source', m.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--schedule', '50ms'], async () => {
      await users.insertOne({ _id: 2, name: 'bob', score: 7 });
      await users.updateOne({ _id: 2 }, { $inc: { score: 1 }, $set: { 'address.zip': '10115' } });
      await users.replaceOne({ _id: 2 }, { name: 'robert' });
      await users.insertOne({ _id: 'carol', name: 'carol' });
      await users.deleteOne({ _id: 'carol' });
      await m.db.collection('orders').insertOne({ _id: 7 as never, user: ada, total: 12.5 });
      // Dropping a captured collection empties it: one TRUNCATE; a re-created one is captured on.
      await m.db.collection<any>('dropme').insertOne({ _id: 1 });
      await m.db.dropCollection('dropme');
      await m.db.collection<any>('dropme').insertOne({ _id: 2 });
      msgs = await consumeAll([usersTopic, ordersTopic, dropTopic], { until: (x) => x.length >= 11, timeoutMs: 30_000 });
    });

    for (const msg of msgs) {
      assertValidEvent(msg.value);
      assert.equal(msg.value.source_db, sid);
      assert.equal(msg.value.source.mode, 'oplog');
      assert.equal(msg.key, msg.value.primary_key ? JSON.stringify(msg.value.primary_key) : null);
      assert.equal(msg.value.transaction_id, null);
      assert.equal(msg.value.schema_version, 1);
    }
    const userEvents = msgs.filter((x) => x.topic === usersTopic).map((x) => x.value);
    const adaHex = ada.toHexString();
    // updateLookup reads the document when the event is read: the $inc update shows either its own
    // result or, when cdc got to it after the replace, the replacement. Both are correct.
    const bobUpdated = { _id: 2, name: 'bob', score: 8, address: { zip: '10115' } };
    const incEvent = userEvents[3];
    if (incEvent && isDeepStrictEqual(incEvent.after_data, bobUpdated)) incEvent.after_data = { _id: 2, name: 'robert' };
    assert.deepEqual(
      userEvents.map((e) => [e.operation, e.primary_key, e.before_data, e.after_data]),
      [
        ['INSERT', { _id: adaHex }, null, { _id: adaHex, name: 'ada', langs: ['en'], profile: { city: 'London' } }],
        // updateLookup: the document as it is when the event is read (here: already final).
        ['UPDATE', { _id: adaHex }, null, { _id: adaHex, name: 'ada lovelace', langs: ['en'], profile: { city: 'London' } }],
        ['INSERT', { _id: 2 }, null, { _id: 2, name: 'bob', score: 7 }],
        ['UPDATE', { _id: 2 }, null, { _id: 2, name: 'robert' }],
        ['UPDATE', { _id: 2 }, null, { _id: 2, name: 'robert' }],
        ['INSERT', { _id: 'carol' }, null, { _id: 'carol', name: 'carol' }],
        ['DELETE', { _id: 'carol' }, { _id: 'carol' }, null],
      ],
    );
    assert.ok(userEvents.every((e) => e.table_name === `${m.name}.users`));
    const seqs = userEvents.map((e) => BigInt(e.sequence_number));
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), `sequence numbers increase: ${seqs.join(',')}`);
    assert.equal(new Set(msgs.map((x) => x.value.event_id)).size, msgs.length, 'event ids are distinct');
    assert.ok(userEvents.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.timestamp)));

    const order = msgs.find((x) => x.topic === ordersTopic)!.value;
    assert.equal(order.table_name, `${m.name}.orders`);
    assert.deepEqual(order.after_data, { _id: 7, user: adaHex, total: 12.5 });

    const dropped = msgs.filter((x) => x.topic === dropTopic).map((x) => [x.value.operation, x.value.primary_key]);
    assert.deepEqual(dropped, [['INSERT', { _id: 1 }], ['TRUNCATE', null], ['INSERT', { _id: 2 }]]);

    const status = await cli('status', '--json');
    assert.equal(status.code, 0, status.stderr);
    const rows = JSON.parse(status.stdout) as Array<{ table: string; mode: string; backlog: number; checkpoint: string | null; lagSeconds: number }>;
    const row = rows.find((r) => r.table === `${m.name}.users`)!;
    assert.equal(row.mode, 'oplog');
    assert.equal(row.backlog, 0);
    assert.equal(row.lagSeconds, 0);
    // At or past the last delivered change: events of no interest (other collections' drops, which
    // mongo-java-server puts into every stream of the database) are acknowledged too.
    assert.ok(row.checkpoint && row.checkpoint >= userEvents.at(-1).source.position, `checkpoint ${row.checkpoint}`);
  });

  test('status counts changes not yet delivered; uninstall removes the registration', async () => {
    await m.db.collection('orders').insertMany([{ _id: 8 }, { _id: 9 }] as never[]);
    const rows = JSON.parse((await cli('status', '--json')).stdout) as Array<{ table: string; backlog: number; lagSeconds: number }>;
    const orders = rows.find((r) => r.table === `${m.name}.orders`)!;
    assert.equal(orders.backlog, 2);

    // Undelivered changes are never discarded silently: refused (one line) unless --force.
    const refused = await cli('unregister', '--table', 'orders');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /^cdc: undelivered changes would be discarded: \S+\.orders \(2\);.*--force/);
    const removed = await cli('unregister', '--table', 'orders', '--force');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^unregistered: .*\.orders$/m);
    const again = await cli('unregister', '--table', 'orders');
    assert.match(again.stdout, /^was not registered: .*\.orders$/m);
    const after = JSON.parse((await cli('status', '--json')).stdout) as Array<{ table: string }>;
    assert.deepEqual(after.map((r) => r.table), [`${m.name}.dropme`, `${m.name}.users`]);
  });

  test('sequence reservations never overlap, also when made concurrently', async () => {
    const a = await openMongo(m.url);
    const b = await openMongo(m.url);
    try {
      const starts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).sequences.reserve('seq.test', 10)));
      const sorted = starts.map(Number).sort((x, y) => x - y);
      assert.deepEqual(sorted, Array.from({ length: 40 }, (_, i) => 1 + i * 10), 'forty disjoint blocks of ten from 1');
      assert.equal(await a.sequences.reserve('seq.test', 1), 401n);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
