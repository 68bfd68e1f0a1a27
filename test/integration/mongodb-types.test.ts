import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, BSONRegExp, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from 'mongodb';
import { bsonToJson, documentToJson } from '../../adapters/mongodb/index.js';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import { assertValidEvent } from '../helpers/event-schema.js';

/**
 * Type fidelity for MongoDB (SPEC "Type fidelity"): each BSON type maps to the documented JSON,
 * and a document read back with find() and mapped the same way equals the event's after_data.
 */
const oid = new ObjectId('65f1a2b3c4d5e6f708192a3b');

describe('BSON → JSON mapping (table-driven, no server)', () => {
  const cases: Array<[string, unknown, unknown]> = [
    ['ObjectId', oid, '65f1a2b3c4d5e6f708192a3b'],
    ['Date with milliseconds', new Date('2024-02-29T23:59:58.123Z'), '2024-02-29T23:59:58.123Z'],
    ['Date before 1970', new Date('1901-12-13T20:45:52.001Z'), '1901-12-13T20:45:52.001Z'],
    ['invalid Date', new Date(Number.NaN), null],
    ['Decimal128 keeps every digit and trailing zero', Decimal128.fromString('12345678901234567890.1230'), '12345678901234567890.1230'],
    ['Decimal128 NaN', Decimal128.fromString('NaN'), 'NaN'],
    ['Long 2^53-1 stays a number', Long.fromString('9007199254740991'), 9007199254740991],
    ['Long 2^53+1 becomes a string', Long.fromString('9007199254740993'), '9007199254740993'],
    ['Long min', Long.fromString('-9223372036854775808'), '-9223372036854775808'],
    ['bigint', 2n ** 63n - 1n, '9223372036854775807'],
    ['Int32 wrapper', new Int32(-7), -7],
    ['Double wrapper', new Double(1.5), 1.5],
    ['NaN', Number.NaN, 'NaN'],
    ['Infinity', Infinity, 'Infinity'],
    ['-Infinity', -Infinity, '-Infinity'],
    ['-0', -0, 0],
    ['Binary', new Binary(Buffer.from([0, 1, 2, 255])), 'AAEC/w=='],
    ['UUID', new UUID('0f8fad5b-d9cb-469f-a165-70867728950e'), Buffer.from('0f8fad5bd9cb469fa16570867728950e', 'hex').toString('base64')],
    ['Buffer', Buffer.from('hi'), 'aGk='],
    ['Timestamp', new Timestamp({ t: 1700000000, i: 5 }), { t: 1700000000, i: 5 }],
    ['BSONRegExp', new BSONRegExp('^a.c$', 'i'), '/^a.c$/i'],
    ['RegExp', /x+/g, '/x+/g'],
    ['Code', new Code('function () { return 1; }'), 'function () { return 1; }'],
    ['DBRef', new DBRef('users', oid, 'shop'), { $ref: 'users', $id: '65f1a2b3c4d5e6f708192a3b', $db: 'shop' }],
    ['MinKey', new MinKey(), { $minKey: 1 }],
    ['MaxKey', new MaxKey(), { $maxKey: 1 }],
    ['undefined', undefined, null],
    ['nested', { a: [1, { b: oid }, [null, true]], 'x.y': 's' }, { a: [1, { b: '65f1a2b3c4d5e6f708192a3b' }, [null, true]], 'x.y': 's' }],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.deepEqual(bsonToJson(input), expected));
  }

  test('a "__proto__" field stays an ordinary key', () => {
    const doc = JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') as Record<string, unknown>;
    const out = documentToJson(doc);
    assert.deepEqual(Object.keys(out), ['__proto__', 'a']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('BSON types through mongo-java-server, cdc run and Kafka', () => {
  let m: MongoTestDatabase;
  before(async () => {
    m = await createMongoTestDatabase();
    await m.db.createCollection('typed');
  });
  after(async () => m?.drop());

  test('after_data equals the document read back with find(), mapped the same way', async () => {
    const inst = await runCli(['register', '--source', m.url, '--table', 'typed']);
    assert.equal(inst.code, 0, inst.stderr);
    const coll = m.db.collection<any>('typed');
    const doc = {
      _id: oid,
      when: new Date('2024-02-29T12:34:56.789Z'),
      price: Decimal128.fromString('12345678901234567890.123456789'),
      big: Long.fromString('9223372036854775807'),
      negBig: Long.fromString('-9007199254740993'),
      safe: Long.fromString('9007199254740991'),
      small: Long.fromNumber(42),
      int: new Int32(7),
      dbl: 0.1,
      bin: new Binary(Buffer.from([0, 1, 2, 255])),
      nested: { a: { b: [1, 'x', { c: null }] }, empty: [], when: new Date(0) },
      nil: null,
      flag: true,
      text: 'héllo "quoted" \u2603',
    };
    const expected = {
      _id: '65f1a2b3c4d5e6f708192a3b',
      when: '2024-02-29T12:34:56.789Z',
      price: '12345678901234567890.123456789',
      big: '9223372036854775807',
      negBig: '-9007199254740993',
      safe: 9007199254740991,
      small: 42,
      int: 7,
      dbl: 0.1,
      bin: 'AAEC/w==',
      nested: { a: { b: [1, 'x', { c: null }] }, empty: [], when: '1970-01-01T00:00:00.000Z' },
      nil: null,
      flag: true,
      text: 'héllo "quoted" \u2603',
    };
    await coll.insertOne(doc);
    await coll.insertOne({ _id: Long.fromString('1234567890123456789'), kind: 'int64 key' });

    const sid = uniqueId('mgt');
    const topic = `cdc.${sid}.${m.name}.typed`;
    await withCdcRun(['run', '--source', m.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid], async () => {
      const msgs = await consumeAll([topic], { until: (x) => x.length >= 2, timeoutMs: 30_000 });
      for (const msg of msgs) assertValidEvent(msg.value);
      const [typed, bigKey] = msgs.map((x) => x.value);
      assert.deepEqual(typed.after_data, expected);
      assert.equal(msgs[0]!.key, '{"_id":"65f1a2b3c4d5e6f708192a3b"}');
      const readBack = await coll.findOne({ _id: oid });
      assert.deepEqual(documentToJson(readBack!), typed.after_data, 'find() mapped the same way equals after_data');
      assert.deepEqual(bigKey.primary_key, { _id: '1234567890123456789' });
      assert.equal(msgs[1]!.key, '{"_id":"1234567890123456789"}');
    });
  });
});
