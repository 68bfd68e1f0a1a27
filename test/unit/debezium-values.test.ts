import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSpec } from '../../src/core/table-spec.js';
import { parseJsonRaw, withJsonSource, normalizeJson } from '../../src/core/lossless-json.js';
import { DEBEZIUM_DEFAULTS, type DebeziumOptions } from '../../src/format/debezium/options.js';
import { postgresCodec } from '../../src/format/debezium/postgres.js';
import { mysqlCodec } from '../../src/format/debezium/mysql.js';
import { RawJson, writeJson } from '../../src/format/debezium/json-writer.js';
import { javaDouble, twosComplementBytes } from '../../src/format/debezium/values.js';
import { parseInterval, intervalMicros, intervalIso } from '../../src/format/debezium/pg-interval.js';

/**
 * Debezium's PostgreSQL encodings, one row per case. Expected values are what Debezium Server 3.6
 * wrote for the same inputs in the live golden tests (test/compat, `npm run test:compat`), or follow
 * from its documented encoding where the golden table has no such value.
 */
const col = (type: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name: 'c', type, nullable: true, ...extra });
const enc = (spec: ColumnSpec, value: unknown, options: Partial<DebeziumOptions> = {}) =>
  writeJson(postgresCodec(spec, { ...DEBEZIUM_DEFAULTS, ...options }).encode(value));

const CASES: [string, ColumnSpec, unknown, string, Partial<DebeziumOptions>?][] = [
  ['int8 beyond 2^53 is a raw JSON number', col('int8'), '9223372036854775807', '9223372036854775807'],
  ['int8 within 2^53', col('int8'), 1234567890123, '1234567890123'],
  ['numeric(12,2) → unscaled bytes', col('numeric', { length: 12, scale: 2 }), '1234.50', '"AeI6"'],
  ['numeric(12,2) negative', col('numeric', { length: 12, scale: 2 }), '-9999999999.99', '"/xcrWvAB"'],
  ['numeric(10) scale 0', col('numeric', { length: 10 }), '42', '"Kg=="'],
  ['numeric → VariableScaleDecimal, trailing zeros stripped', col('numeric'), '3.14159', '{"scale":5,"value":"BMsv"}'],
  ['numeric 100 keeps scale 0', col('numeric'), '100', '{"scale":0,"value":"ZA=="}'],
  ['numeric tiny negative', col('numeric'), '-0.000001', '{"scale":6,"value":"/w=="}'],
  ['numeric string mode', col('numeric', { length: 12, scale: 2 }), '1234.50', '"1234.50"', { 'decimal.handling.mode': 'string' }],
  ['numeric double mode', col('numeric', { length: 38, scale: 10 }), '12345678901234567890.0123456789', '1.2345678901234567E19', { 'decimal.handling.mode': 'double' }],
  ['money → Decimal scale 2', col('money'), '$1,234.56', '"AeJA"'],
  ['money minimum', col('money'), '-$92,233,720,368,547,758.08', '"gAAAAAAAAAA="'],
  ['money string mode', col('money'), '-$1,234.50', '"-1234.50"', { 'decimal.handling.mode': 'string' }],
  ['float8 NaN stays a string', col('float8'), 'NaN', '"NaN"'],
  ['float4 as Java writes it', col('float4'), -3.4e38, '-3.4E38'],
  ['float8 integral as Java writes it', col('float8'), 100, '100.0'],
  ['date → days', col('date'), '2024-02-29', '19782'],
  ['date before 1970', col('date'), '1900-01-01', '-25567'],
  ['date in year 44', col('date'), '0044-03-15', '-703383'],
  ['time → micros', col('time'), '13:14:15.123456', '47655123456'],
  ['time(3) → millis', col('time', { length: 3 }), '23:59:59.999', '86399999'],
  ['time(0) → millis', col('time', { length: 0 }), '13:14:15', '47655000'],
  ['time connect → millis', col('time'), '13:14:15.123456', '47655123', { 'time.precision.mode': 'connect' }],
  ['time(3) adaptive_time_microseconds → micros', col('time', { length: 3 }), '23:59:59.999', '86399999000', { 'time.precision.mode': 'adaptive_time_microseconds' }],
  ['timetz → UTC with Z', col('timetz'), '13:14:15.5+05:30', '"07:44:15.5Z"'],
  ['timetz west of UTC', col('timetz'), '00:00:00-08', '"08:00:00Z"'],
  ['timestamp → micros', col('timestamp'), '2024-02-29T13:14:15.123456', '1709212455123456'],
  ['timestamp a microsecond before 1970', col('timestamp'), '1969-12-31T23:59:59.999999', '-1'],
  ['timestamp(3) → millis', col('timestamp', { length: 3 }), '1970-01-01T00:00:00.001', '1'],
  ['timestamp(0) in year 1 → millis beyond 2^53', col('timestamp', { length: 0 }), '0001-01-01T00:00:00', '-62135596800000'],
  ['timestamptz: fraction at the column width', col('timestamptz', { length: 3 }), '1900-01-01T00:00:00.5Z', '"1900-01-01T00:00:00.500Z"'],
  ['timestamptz default width 6', col('timestamptz'), '1969-07-21T03:17:40.000001Z', '"1969-07-21T03:17:40.000001Z"'],
  ['interval → MicroDuration', col('interval'), '1 year 2 mons 3 days 04:05:06.789', '37091106789000'],
  ['negative interval', col('interval'), '-1 years -2 mons +3 days -04:05:06.000001', '-36572706000001'],
  ['interval string mode', col('interval'), '1 year 2 mons 3 days 04:05:06.789', '"P1Y2M3DT4H5M6.789S"', { 'interval.handling.mode': 'string' }],
  ['bytea bytes mode is base64', col('bytea'), '3q2+7w==', '"3q2+7w=="'],
  ['bytea hex mode', col('bytea'), '3q2+7w==', '"deadbeef"', { 'binary.handling.mode': 'hex' }],
  ['int4[]', col('_int4', { element: col('int4') }), [-2147483648, null], '[-2147483648,null]'],
  ['numeric(5,2)[] elements by the element type', col('_numeric', { element: col('numeric', { length: 5, scale: 2 }) }), ['1.00', null], '["ZA==",null]'],
  ['enum', col('mood', { enumValues: ['sad', 'ok'] }), 'ok', '"ok"'],
];

for (const [name, spec, value, expected, options] of CASES) {
  test(`debezium postgres: ${name}`, () => assert.equal(enc(spec, value, options), expected));
}

test('debezium json: the database text when kept, jsonb style from a trigger image otherwise', () => {
  const text = '{"big": 12345678901234567890, "f": 1.50}';
  const fromText = withJsonSource(normalizeJson(parseJsonRaw(text)), text);
  assert.equal(enc(col('json'), fromText), JSON.stringify(text));
  // A trigger image: parsed with raw numbers, keys printed in jsonb order (length, then bytes).
  const raw = parseJsonRaw('{"zz": [1.50, {"b": null, "a": true}], "10": 12345678901234567890}');
  const fromImage = withJsonSource(normalizeJson(raw), raw);
  assert.equal(enc(col('jsonb'), fromImage), JSON.stringify('{"10": 12345678901234567890, "zz": [1.50, {"a": true, "b": null}]}'));
  assert.equal(enc(col('jsonb'), 'just a string'), JSON.stringify('"just a string"'));
});

test("two's complement bytes as BigInteger.toByteArray", () => {
  const hex = (v: bigint) => twosComplementBytes(v).toString('hex');
  assert.deepEqual([0n, 127n, 128n, -1n, -128n, -129n, 65535n].map(hex), ['00', '7f', '0080', 'ff', '80', 'ff7f', '00ffff']);
});

test("doubles as Java's Double.toString", () => {
  const cases: [number, string][] = [[0, '0.0'], [1.5, '1.5'], [1e7, '1.0E7'], [9999999, '9999999.0'], [0.001, '0.001'], [1e-4, '1.0E-4'], [-1.2345678901234567e19, '-1.2345678901234567E19']];
  for (const [x, s] of cases) assert.equal(javaDouble(x).text, s);
});

test('the writer keeps raw numbers and skips undefined like JSON.stringify', () => {
  assert.equal(writeJson({ a: new RawJson('12345678901234567890'), b: undefined, c: [1, 'x', null, true], d: { e: -1.5 } }), '{"a":12345678901234567890,"c":[1,"x",null,true],"d":{"e":-1.5}}');
});

test('interval text of every IntervalStyle postgres shape', () => {
  const cases: [string, number, string][] = [
    ['00:00:00', 0, 'P0Y0M0DT0H0M0S'],
    ['1 day', 86_400_000_000, 'P0Y0M1DT0H0M0S'],
    ['-00:00:01.5', -1_500_000, 'P0Y0M0DT0H0M-1.5S'],
    ['1 mon', 2_629_800_000_000, 'P0Y1M0DT0H0M0S'],
  ];
  for (const [text, micros, iso] of cases) {
    const iv = parseInterval(text)!;
    assert.equal(intervalMicros(iv), micros, text);
    assert.equal(intervalIso(iv), iso, text);
  }
  assert.equal(parseInterval('P1Y'), null);
});

const my = (spec: ColumnSpec, value: unknown, options: Partial<DebeziumOptions> = {}) =>
  writeJson(mysqlCodec(spec, { ...DEBEZIUM_DEFAULTS, ...options }).encode(value));

const MYSQL_CASES: [string, ColumnSpec, unknown, string, Partial<DebeziumOptions>?][] = [
  ['BIGINT UNSIGNED above 2^63 wraps (bigint.unsigned.handling.mode=long)', col('bigint', { unsigned: true }), '18446744073709551615', '-1'],
  ['DECIMAL(12,2)', col('decimal', { length: 12, scale: 2 }), '1234.50', '"AeI6"'],
  ['BIT(1) is a boolean', col('bit', { length: 1 }), 1, 'true'],
  ['BIT(12): bytes, least significant first', col('bit', { length: 12 }), 0xa03, '"Awo="'],
  ['TIME → micros, negative too', col('time', { length: 6 }), '-838:59:59.000000', '-3020399000000'],
  ['TIME connect → millis', col('time', { length: 0 }), '13:14:15', '47655000', { 'time.precision.mode': 'connect' }],
  ['TIME connect outside a day → null, as Debezium', col('time', { length: 0 }), '-838:59:59', 'null', { 'time.precision.mode': 'connect' }],
  ['DATETIME → millis', col('datetime', { length: 0 }), '2024-02-29T13:14:15', '1709212455000'],
  ['DATETIME(6) → micros', col('datetime', { length: 6 }), '1900-01-01T00:00:00.000001', '-2208988799999999'],
  ['TIMESTAMP(0): no fraction', col('timestamp', { length: 0 }), '2024-02-29T13:14:15Z', '"2024-02-29T13:14:15Z"'],
  ['TIMESTAMP(6): six digits', col('timestamp', { length: 6 }), '1970-01-01T00:00:01.000001Z', '"1970-01-01T00:00:01.000001Z"'],
  ['SET', col('set', { enumValues: ['a', 'b'] }), 'a,b', '"a,b"'],
  ['DOUBLE as Java writes it', col('double'), -1e-300, '-1.0E-300'],
];
for (const [name, spec, value, expected, options] of MYSQL_CASES) {
  test(`debezium mysql: ${name}`, () => assert.equal(my(spec, value, options), expected));
}
