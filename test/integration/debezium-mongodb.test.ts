import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';

/**
 * `--format debezium` on MongoDB, through the real change stream of mongo-java-server, cdc run and
 * Kafka: the MongoDB connector's envelope with the documents as Debezium writes them. Expected
 * texts are the Java driver's own (bson 5.6.4 with Debezium's settings; test/unit/debezium-mongodb.test.ts).
 */
describe('--format debezium: MongoDB documents through the oplog', () => {
  let m: MongoTestDatabase;
  before(async () => {
    m = await createMongoTestDatabase();
    await m.db.createCollection('customers');
  });
  after(async () => m?.drop());

  test('insert, update, delete: after as Extended JSON text per BSON type, updateDescription, key {"id"}, tombstone', async () => {
    const inst = await runCli(['register', '--source', m.url, '--table', 'customers']);
    assert.equal(inst.code, 0, inst.stderr);
    const prefix = uniqueId('dbm');
    const topic = `${prefix}.${m.name}.customers`;
    const coll = m.db.collection<any>('customers');
    const oid = new ObjectId('65f1a2b3c4d5e6f708192a3b');
    await withCdcRun(['run', '--source', m.url, '--kafka', KAFKA_BROKERS.join(','), '--format', 'debezium', '--topic-prefix', prefix], async () => {
      await coll.insertOne({
        _id: new Int32(1004),
        oid,
        i32: new Int32(7),
        i64: Long.fromNumber(42),
        dbl: new Double(1),
        dec: Decimal128.fromString('12345678901234567890.1230'),
        when: new Date(1709210096789),
        bin: new Binary(Buffer.from([0, 1, 2, 255])),
        nested: { a: [new Int32(1), 'x', { c: null }], empty: [] },
        text: 'Grüße "q" 😀',
      });
      await coll.updateOne({ _id: 1004 }, { $set: { i64: Long.fromNumber(43) }, $unset: { text: '' } });
      await coll.deleteOne({ _id: 1004 });
      await coll.insertOne({ _id: oid, s: 'by ObjectId' });
      const msgs = await consumeAll([topic], { until: (x) => x.length >= 5, timeoutMs: 90_000, content: 'other' });
      assert.deepEqual(msgs.map((x) => x.key), ['{"id":"1004"}', '{"id":"1004"}', '{"id":"1004"}', '{"id":"1004"}', '{"id":"{\\"$oid\\": \\"65f1a2b3c4d5e6f708192a3b\\"}"}']);
      const [insert, update, del, tombstone, byOid] = msgs.map((x) => x.value);
      assert.equal(
        insert.after,
        '{"_id": 1004,"oid": {"$oid": "65f1a2b3c4d5e6f708192a3b"},"i32": 7,"i64": {"$numberLong": "42"},"dbl": 1.0,' +
          '"dec": {"$numberDecimal": "12345678901234567890.1230"},"when": {"$date": 1709210096789},"bin": {"$binary": "AAEC/w==","$type": "00"},' +
          '"nested": {"a": [1,"x",{"c": null}],"empty": []},"text": "Grüße \\"q\\" \\ud83d\\ude00"}',
      );
      assert.deepEqual([insert.op, insert.before, insert.updateDescription], ['c', null, null]);
      assert.equal(insert.source.connector, 'mongodb');
      assert.equal(insert.source.db, m.name);
      assert.equal(insert.source.collection, 'customers');
      assert.equal(typeof insert.source.ord, 'number');
      assert.equal(insert.source.ts_ms % 1000, 0, 'ts_ms is the cluster time (seconds)');

      assert.equal(update.op, 'u');
      // mongo-java-server's update events carry no updateDescription (its documentKey holds the
      // update spec instead), so there it is null; real MongoDB (CDC_TEST_MONGO) sends one.
      const description = { removedFields: ['text'], updatedFields: '{"i64": {"$numberLong": "43"}}', truncatedArrays: null };
      assert.deepEqual(update.updateDescription, process.env.CDC_TEST_MONGO ? description : null);
      // The document as read when the event was (updateLookup, Debezium's default capture mode):
      // here already deleted by the next statement, or the updated document.
      if (update.after !== null) assert.match(update.after, /"i64": \{"\$numberLong": "43"\}/);

      assert.deepEqual([del.op, del.after], ['d', null]);
      assert.equal(tombstone, null);
      assert.equal(byOid.after, '{"_id": {"$oid": "65f1a2b3c4d5e6f708192a3b"},"s": "by ObjectId"}');
    });
  });
});
