import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'mongodb';
import { ensureDebeziumDist, newestJavaHome } from '../../bench/lib/debezium.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { createMongoTestDatabase, MONGO_TEST_SERVER, type MongoTestDatabase } from '../helpers/mongodb.js';

const HARNESS = fileURLToPath(new URL('./mongodb-json/PrintAsDebezium.java', import.meta.url));

/**
 * Debezium's MongoDB connector cannot run against mongo-java-server (docs/debezium-format.md), so
 * the judge here is the serialisation it uses: the MongoDB Java driver from Debezium Server's own
 * distribution, with Debezium's settings (mongodb-json/PrintAsDebezium.java), reads the same
 * documents; cdc's `after` and key must equal its text, byte for byte, for every BSON type.
 */
describe('MongoDB documents: cdc --format debezium against the Java driver Debezium Server ships', () => {
  let m: MongoTestDatabase | undefined;
  after(async () => m?.drop());

  test('after and key, per BSON type', { timeout: 300_000 }, async () => {
    m = await createMongoTestDatabase();
    await m.db.createCollection('typed');
    assert.equal((await runCli(['register', '--source', m.url, '--table', 'typed'])).code, 0);
    const coll = m.db.collection<any>('typed');
    const docs = [
      { _id: new Int32(1), i32: new Int32(-7), i64: Long.fromString('-9223372036854775808'), dbl: new Double(1), small: new Double(1.5e-7), big: new Double(1e21) },
      { _id: Long.fromNumber(2), nan: new Double(Number.NaN), inf: new Double(Infinity), dec: Decimal128.fromString('-0.000100'), when: new Date(-1), epoch: new Date(0) },
      { _id: 'three', bin: new Binary(Buffer.from([0, 255]), 0), uuid: new Binary(Buffer.alloc(16, 7), 4), ts: new Timestamp({ t: 1700000000, i: 5 }) },
      { _id: new ObjectId('65f1a2b3c4d5e6f708192a3b'), re: new BSONRegExp('^a.c$', 'im'), code: new Code('return 1;'), min: new MinKey(), max: new MaxKey() },
      { _id: new Double(5.5), text: 'Grüße "q" \\ \t\n\u0001 \u00a0 \u2028 é 😀 世界 </>', nested: { a: [new Int32(1), null, [true, {}]], 'x.y': { z: 'w' } } },
      { _id: { compound: new Int32(6), k: 'v' }, empty: {}, list: [] },
    ];

    const prefix = uniqueId('dbm');
    const records = await withCdcRun(['run', '--source', m.url, '--kafka', KAFKA_BROKERS.join(','), '--format', 'debezium', '--topic-prefix', prefix], async () => {
      for (const d of docs) await coll.insertOne(d);
      return consumeAll([`${prefix}.${m!.name}.typed`], { until: (x) => x.length >= docs.length, timeoutMs: 60_000, content: 'other' });
    });
    const ours = records.map((r) => `${JSON.parse(r.key!).id}\t${r.value.after}`).sort();

    const home = ensureDebeziumDist(() => undefined);
    const java = newestJavaHome().home;
    const cp = join(home, 'lib', '*');
    const out = mkdtempSync(join(tmpdir(), 'cdc-mongo-json-'));
    try {
      const javac = spawnSync(join(java, 'bin', 'javac'), ['-cp', cp, '-d', out, HARNESS], { encoding: 'utf8' });
      assert.equal(javac.status, 0, javac.stderr);
      const url = `${MONGO_TEST_SERVER.replace(/\/$/, '')}/`;
      const run = spawnSync(join(java, 'bin', 'java'), ['-cp', `${out}:${cp}`, 'PrintAsDebezium', url, m.name, 'typed'], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(run.status, 0, run.stderr.slice(-3000));
      const theirs = run.stdout.split('\n').filter(Boolean).sort();
      assert.equal(theirs.length, docs.length, run.stdout);
      assert.deepEqual(ours, theirs);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
