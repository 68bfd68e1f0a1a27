import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../adapters/mysql/types/image-decoder.js';
import { canonicalSelectList, decodeSelected, decodeSelectedRow } from '../../adapters/mysql/types/select-decoder.js';
import { datetimeFromText, timestampFromUtcText, type CanonicalColumn, type ColumnKind } from '../../adapters/mysql/types/canonical.js';

const col = (name: string, kind: ColumnKind, fsp = 0): CanonicalColumn => ({ name, kind, fsp });

test('image decoder: JSON_OBJECT text → canonical values, without column metadata', () => {
  const cases: [string, unknown][] = [
    ['1', 1],
    ['-2147483648', -2147483648],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', '9007199254740992'],
    ['18446744073709551615', '18446744073709551615'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['0.30000000000000004', 0.30000000000000004],
    ['1.1', 1.1],
    ['3.40282e38', 3.40282e38],
    ['1e300', 1e300],
    ['-0', 0],
    ['"12.50"', '12.50'],
    ['"AP+A"', 'AP+A'],
    ['"2024-01-02T03:04:05.678"', '2024-01-02T03:04:05.678'],
    ['null', null],
    ['{"json": "{\\"a\\": 1.50, \\"big\\": 123456789012345678901234567890, \\"u\\": \\"é\\"}"}', { a: 1.5, big: '123456789012345678901234567890', u: 'é' }],
    ['{"json": "[1, 0.1, 1e400]"}', [1, 0.1, '1e400']],
    ['{"json": "null"}', null],
    ['{"json": "\\"text\\""}', 'text'],
    ['{"json": "1.50"}', 1.5],
  ];
  for (const [value, expected] of cases) {
    assert.deepEqual(decodeImage(`{"c": ${value}}`), { c: expected }, value);
    // The same value next to a 16-digit run takes the lossless path; both paths agree.
    assert.deepEqual(decodeImage(`{"c": ${value}, "pad": "1234567890123456"}`).c, expected, `lossless ${value}`);
    // Without spaces, and not the first value: long integer tokens are still found.
    assert.deepEqual(decodeImage(`{"a":"0123456789012345678","c":${value}}`).c, expected, `compact ${value}`);
  }
});

test('image decoder keeps odd column names and rejects what no trigger writes', () => {
  assert.deepEqual(decodeImage('{"__proto__": 1, "We`ird; --": "x"}'), JSON.parse('{"__proto__": 1, "We`ird; --": "x"}'));
  assert.equal(Object.getPrototypeOf(decodeImage('{"__proto__": {"json": "1"}}')), Object.prototype);
  for (const bad of ['[]', '1', 'null', '{"c": [1]}', '{"c": true}', '{"c": {"x": 1}}']) assert.throws(() => decodeImage(bad), bad);
});

test('select decoder: mysql2 values (lossless options) → canonical values', () => {
  const cases: [CanonicalColumn, unknown, unknown][] = [
    [col('i', 'int'), 42, 42],
    [col('i', 'int'), null, null],
    [col('b', 'bigint'), '9007199254740991', 9007199254740991],
    [col('b', 'bigint'), '18446744073709551615', '18446744073709551615'],
    [col('b', 'bigint'), '-9223372036854775808', '-9223372036854775808'],
    [col('bit', 'bit'), Buffer.from([0x01, 0x02]), 258],
    [col('bit', 'bit'), Buffer.alloc(8, 0xff), '18446744073709551615'],
    [col('bit', 'bit'), Buffer.from([0]), 0],
    [col('d', 'decimal'), '1234567890123456789012345678901234.0123456789', '1234567890123456789012345678901234.0123456789'],
    [col('f', 'float'), 1.1, 1.1],
    [col('f', 'float'), -0, 0],
    [col('s', 'text'), "it's é", "it's é"],
    [col('bin', 'binary'), Buffer.from([0x00, 0xff, 0x80]), 'AP+A'],
    [col('bin', 'binary'), Buffer.alloc(0), ''],
    [col('d', 'date'), '0000-00-00', '0000-00-00'],
    [col('t', 'time', 2), '-838:59:59.00', '-838:59:59.00'],
    [col('dt', 'datetime', 3), '2024-01-02 03:04:05.678', '2024-01-02T03:04:05.678'],
    [col('dt', 'datetime'), '0000-00-00 00:00:00', '0000-00-00 00:00:00'],
    [col('dt', 'datetime'), '2020-05-00 01:02:03', '2020-05-00 01:02:03'],
    [col('ts', 'timestamp', 6), '2024-03-01 07:04:56.123456', '2024-03-01T07:04:56.123456Z'],
    [col('ts', 'timestamp', 3), '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.000'],
    [col('j', 'json'), '{"a": 1.50, "big": 123456789012345678901234567890}', { a: 1.5, big: '123456789012345678901234567890' }],
    [col('j', 'json'), 'null', null],
    [col('g', 'geometry'), 'POINT(1.5 2)', 'POINT(1.5 2)'],
    [col('u', 'other'), '::1', '::1'],
  ];
  for (const [c, raw, expected] of cases) assert.deepEqual(decodeSelected(c, raw), expected, `${c.kind} ${String(raw)}`);
  assert.throws(() => decodeSelected(col('g', 'geometry'), { x: 1, y: 2 }), /ST_AsText/);
  assert.throws(() => decodeSelected(col('bin', 'binary'), 'AP+A'), /bytes/);
});

test('both decoders agree when the server printed the same value', () => {
  // [column, what JSON_OBJECT wrote into the image, what mysql2 returns for a SELECT]
  const cases: [CanonicalColumn, string, unknown][] = [
    [col('b', 'bigint'), '18446744073709551615', '18446744073709551615'],
    [col('b', 'bigint'), '-5', '-5'],
    [col('bit', 'bit'), '255', Buffer.from([0xff])],
    [col('f', 'float'), '16777200', 16777200],
    [col('f', 'float'), '1.17549e-38', 1.17549e-38],
    [col('d', 'float'), '123456789.12345679', 123456789.12345679],
    [col('d', 'float'), '1e17', 1e17],
    [col('p', 'decimal'), '"0.0000000001"', '0.0000000001'],
    [col('bin', 'binary'), '"AIA="', Buffer.from([0x00, 0x80])],
    [col('ts', 'timestamp', 0), '"2038-01-19T03:14:07Z"', '2038-01-19 03:14:07'],
    [col('dt', 'datetime', 0), '"0000-00-00 00:00:00"', '0000-00-00 00:00:00'],
    [col('j', 'json'), '{"json": "{\\"x\\": [1e2, 0.1]}"}', '{"x": [1e2, 0.1]}'],
  ];
  for (const [c, image, selected] of cases) {
    assert.deepEqual(decodeImage(`{${JSON.stringify(c.name)}: ${image}}`), decodeSelectedRow({ [c.name]: selected }, [c]), `${c.kind} ${image}`);
  }
});

test('canonical text helpers and the SELECT list', () => {
  assert.equal(datetimeFromText('2024-01-02 03:04:05'), '2024-01-02T03:04:05');
  assert.equal(timestampFromUtcText('1970-01-01 00:00:01.5'), '1970-01-01T00:00:01.5Z');
  assert.equal(
    canonicalSelectList([col('id', 'int'), col('g`eo', 'geometry')]),
    '`id` AS __cdc_c0, ST_AsText(`g``eo`) AS __cdc_c1',
  );
  assert.throws(() => decodeSelectedRow({}, [col('id', 'int')]), /missing/);
});
