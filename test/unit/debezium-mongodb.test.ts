import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Binary, BSON, BSONRegExp, BSONSymbol, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'mongodb';
import { toChangeEvent, type CapturedChange } from '../../src/core/change-event.js';
import { attachTypedDocuments, type TypedDocuments } from '../../src/core/typed-documents.js';
import { debeziumEncoder } from '../../src/format/debezium/index.js';
import { javaString, relaxedJson, strictJson } from '../../src/format/debezium/extended-json.js';

/**
 * Debezium's MongoDB document text, per BSON type. Expected strings were printed by the Java
 * driver's bson 5.6.4 (the jar Debezium Server 3.6 ships) with Debezium's JsonSerialization
 * settings: `Document.toJson(STRICT, indent "" / newline "")` for documents, RELAXED for keys.
 */
const canonical = (v: unknown) => BSON.EJSON.serialize({ v }, { relaxed: false }).v;
const oid = new ObjectId('65f1a2b3c4d5e6f708192a3b');

describe('Debezium MongoDB: document text per BSON type (STRICT, as Debezium writes `after`)', () => {
  const cases: [string, unknown, string][] = [
    ['ObjectId', oid, '{"$oid": "65f1a2b3c4d5e6f708192a3b"}'],
    ['int32', new Int32(7), '7'],
    ['int64', Long.fromNumber(42), '{"$numberLong": "42"}'],
    ['int64 max', Long.fromString('9223372036854775807'), '{"$numberLong": "9223372036854775807"}'],
    ['whole double', new Double(1), '1.0'],
    ['double', new Double(0.1), '0.1'],
    ['large double', new Double(1e21), '1.0E21'],
    ['small double', new Double(1.5e-7), '1.5E-7'],
    ['NaN', new Double(Number.NaN), 'NaN'],
    ['-Infinity', new Double(-Infinity), '-Infinity'],
    ['Decimal128', Decimal128.fromString('12345678901234567890.1230'), '{"$numberDecimal": "12345678901234567890.1230"}'],
    ['date', new Date(1709210096789), '{"$date": 1709210096789}'],
    ['date before 1970', new Date(-2000), '{"$date": -2000}'],
    ['binary', new Binary(Buffer.from([0, 1, 2, 255])), '{"$binary": "AAEC/w==","$type": "00"}'],
    ['UUID binary', new Binary(Buffer.alloc(16), 4), '{"$binary": "AAAAAAAAAAAAAAAAAAAAAA==","$type": "04"}'],
    ['timestamp', new Timestamp({ t: 1700000000, i: 5 }), '{"$timestamp": {"t": 1700000000,"i": 5}}'],
    ['regex', new BSONRegExp('^a.c$', 'i'), '{"$regex": "^a.c$","$options": "i"}'],
    ['code', new Code('function () { return 1; }'), '{"$code": "function () { return 1; }"}'],
    ['code with scope', new Code('x', { a: new Int32(1) }), '{"$code": "x","$scope": {"a": 1}}'],
    ['MinKey', new MinKey(), '{"$minKey": 1}'],
    ['MaxKey', new MaxKey(), '{"$maxKey": 1}'],
    ['symbol', new BSONSymbol('s'), '{"$symbol": "s"}'],
    ['null', null, 'null'],
    ['nested', { a: [new Int32(1), 'x', { c: null }], empty: [], ed: {} }, '{"a": [1,"x",{"c": null}],"empty": [],"ed": {}}'],
  ];
  for (const [name, value, expected] of cases) it(name, () => assert.equal(strictJson(canonical(value)), expected));

  it('undefined (deprecated BSON type)', () => assert.equal(strictJson({ $undefined: true }), '{"$undefined": true}'));

  it("escapes strings as Java's writer does: controls, combining marks, separators and surrogates as \\u, the rest kept", () => {
    assert.equal(javaString('héllo "q" \\ \u2603 \uD83D\uDE00 e\u0301 \t\n\u0001 </ \u2028 \u00a0 ~'), '"héllo \\"q\\" \\\\ ☃ \\ud83d\\ude00 e\\u0301 \\t\\n\\u0001 </ \\u2028 \u00a0 ~"');
  });

  it('a whole document: members separated by "," and names by ": "', () => {
    const doc = { _id: oid, i32: new Int32(7), i64: Long.fromNumber(42), text: 'x' };
    assert.equal(strictJson(canonical(doc)), '{"_id": {"$oid": "65f1a2b3c4d5e6f708192a3b"},"i32": 7,"i64": {"$numberLong": "42"},"text": "x"}');
  });
});

describe('Debezium MongoDB: the key id (RELAXED)', () => {
  const cases: [string, unknown, string][] = [
    ['ObjectId', oid, '{"$oid": "65f1a2b3c4d5e6f708192a3b"}'],
    ['int32', new Int32(1004), '1004'],
    ['int64', Long.fromNumber(1004), '1004'],
    ['double', new Double(1.5), '1.5'],
    ['string', 'abc', '"abc"'],
    ['document', { a: new Int32(1), b: 'x' }, '{"a": 1,"b": "x"}'],
    ['Decimal128', Decimal128.fromString('1.5'), '{"$numberDecimal": "1.5"}'],
    ['date', new Date(0), '{"$date": "1970-01-01T00:00:00Z"}'],
    ['NaN', new Double(Number.NaN), '{"$numberDouble": "NaN"}'],
  ];
  for (const [name, value, expected] of cases) it(name, () => assert.equal(relaxedJson(canonical(value)), expected));
});

describe('Debezium MongoDB: envelope and key', () => {
  const docs: TypedDocuments = {
    before: null,
    after: canonical({ _id: new Int32(1004), n: Long.fromNumber(5) }),
    id: canonical(new Int32(1004)),
    updateDescription: { updatedFields: canonical({ n: Long.fromNumber(5) }), removedFields: ['gone'], truncatedArrays: [] },
    clusterSeconds: 1_700_000_000,
    clusterIncrement: 3,
    lsid: null,
    txnNumber: null,
    wallTime: null,
  };
  const change: CapturedChange = {
    operation: 'UPDATE', before: null, after: { _id: 1004, n: 5 }, primaryKey: { _id: 1004 }, timestamp: '2023-11-14T22:13:20.000Z', transactionId: null, changeId: 'c', position: 'p',
  };
  const event = () => attachTypedDocuments(toChangeEvent(change, { sourceId: 'shop', tableName: 'shop.customers', mode: 'oplog', sequence: 1n, schemaVersion: 1 }), docs);

  it('writes after and updateDescription as document text, the cluster time in source, the key as {"id": …}', () => {
    const m = debeziumEncoder({ 'topic.prefix': 'rs' })(event());
    assert.equal(m.key, '{"id":"1004"}');
    const v = JSON.parse(m.value.toString());
    assert.deepEqual(Object.keys(v), ['before', 'after', 'updateDescription', 'source', 'op', 'ts_ms', 'transaction']);
    assert.equal(v.after, '{"_id": 1004,"n": {"$numberLong": "5"}}');
    assert.deepEqual(v.updateDescription, { removedFields: ['gone'], updatedFields: '{"n": {"$numberLong": "5"}}', truncatedArrays: null });
    assert.equal(v.op, 'u');
    const { cdc, version, ...source } = v.source;
    assert.equal(cdc.mode, 'oplog');
    assert.equal(version, 'cdc-0.1.0');
    assert.deepEqual(source, {
      connector: 'mongodb', name: 'rs', ts_ms: 1_700_000_000_000, snapshot: 'false', db: 'shop', sequence: null, ts_us: 1_700_000_000_000_000, ts_ns: 1_700_000_000_000_000_000,
      collection: 'customers', ord: 3, lsid: null, txnNumber: null, wallTime: null,
    });
  });

  it('with schemas: a string key schema and the envelope schema with MongoDB\'s fields', () => {
    const m = debeziumEncoder({ 'topic.prefix': 'rs', 'schemas.enable': true })(event());
    assert.equal(m.key, '{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],"optional":false,"name":"rs.shop.customers.Key"},"payload":{"id":"1004"}}');
    const v = JSON.parse(m.value.toString());
    assert.equal(v.schema.name, 'rs.shop.customers.Envelope');
    assert.deepEqual(v.schema.fields.map((f: { field: string }) => f.field), ['before', 'after', 'updateDescription', 'source', 'op', 'ts_ms', 'transaction']);
    assert.equal(v.schema.fields[3].name, 'io.debezium.connector.mongo.Source');
  });
});
