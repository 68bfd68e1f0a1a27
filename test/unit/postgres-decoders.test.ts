import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJson, parseJsonRaw } from '../../src/core/lossless-json.js';
import { canonicalTimestamptz, eventTimestamp } from '../../adapters/postgres/types/canonical.js';
import { decodeJsonb, decodeJsonbImage } from '../../adapters/postgres/types/jsonb-decoder.js';
import { parseArrayLiteral, parseRecordLiteral } from '../../adapters/postgres/types/literals.js';
import type { PgType, ScalarKind } from '../../adapters/postgres/types/pg-type.js';
import { decodeText } from '../../adapters/postgres/types/text-decoder.js';

const t = (kind: ScalarKind): PgType => ({ kind });
const arr = (element: PgType, delimiter = ','): PgType => ({ kind: 'array', element, delimiter });

/**
 * Each case: a column type, the value as to_jsonb writes it into an image (JSON text), the value as
 * PostgreSQL's text output prints it, and the canonical value both decoders must produce.
 */
const CASES: { name: string; type: PgType; jsonb: string; text: string | null; want: unknown }[] = [
  { name: 'int4', type: t('int'), jsonb: '42', text: '42', want: 42 },
  { name: 'int2 negative', type: t('int'), jsonb: '-7', text: '-7', want: -7 },
  { name: 'oid (a JSON string in images)', type: t('int'), jsonb: '"123"', text: '123', want: 123 },
  { name: 'int8 safe', type: t('int8'), jsonb: '9007199254740991', text: '9007199254740991', want: 9007199254740991 },
  { name: 'int8 beyond 2^53', type: t('int8'), jsonb: '9007199254740993', text: '9007199254740993', want: '9007199254740993' },
  { name: 'int8 min', type: t('int8'), jsonb: '-9223372036854775808', text: '-9223372036854775808', want: '-9223372036854775808' },
  { name: 'numeric keeps scale', type: t('numeric'), jsonb: '12.50', text: '12.50', want: '12.50' },
  {
    name: 'numeric 38 digits',
    type: t('numeric'),
    jsonb: '12345678901234567890123456.789012345678',
    text: '12345678901234567890123456.789012345678',
    want: '12345678901234567890123456.789012345678',
  },
  { name: 'numeric NaN', type: t('numeric'), jsonb: '"NaN"', text: 'NaN', want: 'NaN' },
  { name: 'float8', type: t('float'), jsonb: '1.5', text: '1.5', want: 1.5 },
  { name: 'float8 huge (jsonb prints it as numeric)', type: t('float'), jsonb: '1' + '0'.repeat(300), text: '1e+300', want: 1e300 },
  { name: 'float4 1.1', type: t('float'), jsonb: '1.1', text: '1.1', want: 1.1 },
  { name: 'float -0', type: t('float'), jsonb: '0', text: '-0', want: 0 },
  { name: 'float NaN', type: t('float'), jsonb: '"NaN"', text: 'NaN', want: 'NaN' },
  { name: 'float -Infinity', type: t('float'), jsonb: '"-Infinity"', text: '-Infinity', want: '-Infinity' },
  { name: 'bool true', type: t('bool'), jsonb: 'true', text: 't', want: true },
  { name: 'bool false', type: t('bool'), jsonb: 'false', text: 'f', want: false },
  { name: 'text with quotes', type: t('string'), jsonb: '"a \\"b\\"\\nc"', text: 'a "b"\nc', want: 'a "b"\nc' },
  { name: 'money', type: t('string'), jsonb: '"$1,234.50"', text: '$1,234.50', want: '$1,234.50' },
  { name: 'interval', type: t('string'), jsonb: '"1 day 02:00:00"', text: '1 day 02:00:00', want: '1 day 02:00:00' },
  { name: 'date', type: t('date'), jsonb: '"2024-02-29"', text: '2024-02-29', want: '2024-02-29' },
  { name: 'date BC', type: t('date'), jsonb: '"0044-03-15 BC"', text: '0044-03-15 BC', want: '-0043-03-15' },
  { name: 'date infinity', type: t('date'), jsonb: '"infinity"', text: 'infinity', want: 'infinity' },
  {
    name: 'timestamp with micros',
    type: t('timestamp'),
    jsonb: '"2024-01-02T03:04:05.123456"',
    text: '2024-01-02 03:04:05.123456',
    want: '2024-01-02T03:04:05.123456',
  },
  { name: 'timestamp whole second', type: t('timestamp'), jsonb: '"2024-01-02T03:04:05"', text: '2024-01-02 03:04:05', want: '2024-01-02T03:04:05' },
  {
    name: 'timestamptz written at +05:30, read at UTC',
    type: t('timestamptz'),
    jsonb: '"2024-01-01T02:00:00.000001+05:30"',
    text: '2023-12-31 20:30:00.000001+00',
    want: '2023-12-31T20:30:00.000001Z',
  },
  {
    name: 'timestamptz with a seconds offset (LMT)',
    type: t('timestamptz'),
    jsonb: '"1850-01-01T00:00:00+00:19:32"',
    text: '1849-12-31 23:40:28+00',
    want: '1849-12-31T23:40:28Z',
  },
  {
    name: 'timestamptz negative offset crossing a year',
    type: t('timestamptz'),
    jsonb: '"2023-12-31T23:30:00.5-08:00"',
    text: '2024-01-01 07:30:00.5+00',
    want: '2024-01-01T07:30:00.5Z',
  },
  { name: 'timestamptz -infinity', type: t('timestamptz'), jsonb: '"-infinity"', text: '-infinity', want: '-infinity' },
  { name: 'bytea hex', type: t('bytea'), jsonb: '"\\\\x0102ff"', text: '\\x0102ff', want: 'AQL/' },
  { name: 'bytea escape format (writer setting)', type: t('bytea'), jsonb: '"\\\\001\\\\002\\\\377A\\\\\\\\"', text: '\\x0102ff415c', want: 'AQL/QVw=' },
  { name: 'bytea empty', type: t('bytea'), jsonb: '"\\\\x"', text: '\\x', want: '' },
  {
    name: 'jsonb with a big number',
    type: t('json'),
    jsonb: '{"a": 12345678901234567890, "b": [1.50, 2], "c": null}',
    text: '{"a": 12345678901234567890, "b": [1.50, 2], "c": null}',
    want: { a: '12345678901234567890', b: [1.5, 2], c: null },
  },
  { name: 'json 1e2 normalized by jsonb', type: t('json'), jsonb: '{"a": 100}', text: '{"a":1e2}', want: { a: 100 } },
  { name: 'json scalar string', type: t('json'), jsonb: '"x"', text: '"x"', want: 'x' },
  { name: 'int[] with NULL', type: arr(t('int')), jsonb: '[1, null, 3]', text: '{1,NULL,3}', want: [1, null, 3] },
  { name: 'int[][] 2-D', type: arr(t('int')), jsonb: '[[1, null], [3, 4]]', text: '{{1,NULL},{3,4}}', want: [[1, null], [3, 4]] },
  { name: 'empty array', type: arr(t('int')), jsonb: '[]', text: '{}', want: [] },
  { name: 'array with bounds', type: arr(t('int')), jsonb: '[7, 8]', text: '[0:1]={7,8}', want: [7, 8] },
  {
    name: 'text[] quoting',
    type: arr(t('string')),
    jsonb: '["a b", "c\\"d", null, "NULL", "", "x,y", "back\\\\slash"]',
    text: '{"a b","c\\"d",NULL,"NULL","","x,y","back\\\\slash"}',
    want: ['a b', 'c"d', null, 'NULL', '', 'x,y', 'back\\slash'],
  },
  {
    name: 'int8[] mixed safety',
    type: arr(t('int8')),
    jsonb: '[1, 9223372036854775807]',
    text: '{1,9223372036854775807}',
    want: [1, '9223372036854775807'],
  },
  { name: 'numeric[]', type: arr(t('numeric')), jsonb: '[1.10, "NaN"]', text: '{1.10,NaN}', want: ['1.10', 'NaN'] },
  {
    name: 'timestamptz[]',
    type: arr(t('timestamptz')),
    jsonb: '["2024-01-01T00:00:00+02:00"]',
    text: '{"2023-12-31 22:00:00+00"}',
    want: ['2023-12-31T22:00:00Z'],
  },
  { name: 'bytea[]', type: arr(t('bytea')), jsonb: '["\\\\x01ff"]', text: '{"\\\\x01ff"}', want: ['Af8='] },
  { name: 'jsonb[] of arrays', type: arr(t('json')), jsonb: '[[1, 2], {"a": 1}]', text: '{"[1, 2]","{\\"a\\": 1}"}', want: [[1, 2], { a: 1 }] },
  { name: 'box[] uses ;', type: arr(t('string'), ';'), jsonb: '["(3,4),(1,2)", "(7,8),(5,6)"]', text: '{(3,4),(1,2);(7,8),(5,6)}', want: ['(3,4),(1,2)', '(7,8),(5,6)'] },
  {
    name: 'composite',
    type: { kind: 'record', fields: [{ name: 'n', type: t('int') }, { name: 's', type: t('string') }, { name: 'x', type: t('int8') }] },
    jsonb: '{"n": 1, "s": "a \\"b\\", c", "x": null}',
    text: '(1,"a ""b"", c",)',
    want: { n: 1, s: 'a "b", c', x: null },
  },
  { name: 'NULL', type: t('int'), jsonb: 'null', text: null, want: null },
];

describe('postgres decoders: to_jsonb image and text output agree', () => {
  for (const c of CASES) {
    it(c.name, () => {
      assert.deepEqual(decodeJsonb(c.type, parseJsonRaw(c.jsonb)), c.want, 'jsonb decoder');
      assert.deepEqual(decodeText(c.type, c.text), c.want, 'text decoder');
    });
  }
});

describe('postgres decodeJsonbImage', () => {
  it('maps known columns and reports unknown ones', () => {
    const types = new Map<string, PgType>([['id', t('int8')], ['n', t('numeric')]]);
    const d = decodeJsonbImage(types, '{"id": 9007199254740993, "n": 1.0, "added": 1.50}');
    assert.deepEqual(d.row, { id: '9007199254740993', n: '1.0', added: 1.5 });
    assert.deepEqual(d.unknownColumns, ['added']);
  });
  it('keeps a value its type rejects as plain JSON and reports it', () => {
    const d = decodeJsonbImage(new Map([['d', t('date')]]), '{"d": "not a date"}');
    assert.deepEqual(d.row, { d: 'not a date' });
    assert.deepEqual(d.invalidColumns, ['d']);
  });
  it('keeps a column named __proto__ as data', () => {
    const d = decodeJsonbImage(new Map([['__proto__', t('int')]]), '{"__proto__": 1}');
    assert.equal(Object.getPrototypeOf(d.row), Object.prototype);
    assert.deepEqual(Object.keys(d.row), ['__proto__']);
  });
});

describe('lossless JSON (src/core/lossless-json.ts)', () => {
  it('keeps unsafe numbers as digit strings and safe ones as numbers', () => {
    assert.deepEqual(parseJson('[9007199254740993, 1.50, 1e2, 0.1000000000000000000001, -0, 1e400, 5e-324]'), [
      '9007199254740993', 1.5, 100, '0.1000000000000000000001', 0, '1e400', 5e-324,
    ]);
  });
  it('takes the last of duplicate keys, like jsonb', () => assert.deepEqual(parseJson('{"a": 1, "a": 2}'), { a: 2 }));
  it('keeps "__proto__" as a key', () => assert.deepEqual(Object.keys(parseJson('{"__proto__": {"x": 1}}') as object), ['__proto__']));
  it('rejects invalid JSON', () => assert.throws(() => parseJson('{"a": 01}')));
});

describe('postgres literals and timestamps', () => {
  const arrays: [string, string, unknown][] = [
    ['{a,b}', ',', ['a', 'b']],
    ['{"{x}",y}', ',', ['{x}', 'y']],
    ['{{"a","b"},{NULL,"c"}}', ',', [['a', 'b'], [null, 'c']]],
    ['{null,"null"}', ',', [null, 'null']],
    ['{a\\,b}', ',', ['a,b']],
  ];
  for (const [text, delim, want] of arrays) it(`array ${text}`, () => assert.deepEqual(parseArrayLiteral(text, delim), want));
  const records: [string, unknown][] = [
    ['()', [null]],
    ['("")', ['']],
    ['(,)', [null, null]],
    ['(a,"(1,2)")', ['a', '(1,2)']],
    ['("x\\\\y")', ['x\\y']],
  ];
  for (const [text, want] of records) it(`record ${text}`, () => assert.deepEqual(parseRecordLiteral(text), want));
  const stamps: [string, string][] = [
    ['2024-03-01 00:30:00+01', '2024-02-29T23:30:00Z'],
    ['2000-01-01T00:00:00.000001Z', '2000-01-01T00:00:00.000001Z'],
    ['0044-03-15 12:00:00+00 BC', '-0043-03-15T12:00:00Z'],
    ['0001-01-01 00:30:00+01', '0000-12-31T23:30:00Z'],
    ['9999-12-31 23:00:00-02', '+010000-01-01T01:00:00Z'],
  ];
  for (const [text, want] of stamps) it(`timestamptz ${text}`, () => assert.equal(canonicalTimestamptz(text), want));
  it('event timestamps have six fraction digits', () => {
    assert.equal(eventTimestamp('2024-01-02 03:04:05+00'), '2024-01-02T03:04:05.000000Z');
    assert.equal(eventTimestamp('2024-01-02 03:04:05.12+02'), '2024-01-02T01:04:05.120000Z');
  });
});
