import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as losslessJsonParse } from 'lossless-json';
import { numberFromJsonText, parseJson, parseJsonRaw, RawNumber } from '../../src/core/lossless-json.js';

/**
 * src/core/lossless-json.ts parses with json-custom-numbers and falls back to lossless-json for
 * text that may hold a "__proto__" key. These cases pin that both routes give exactly what the
 * previous lossless-json-only parser gave, value for value and key order for key order.
 */

/** The previous implementation, as the reference. */
const reference = (text: string) =>
  losslessJsonParse(text, null, { parseNumber: (s) => numberFromJsonText(s), onDuplicateKey: ({ newValue }) => newValue });
const referenceRaw = (text: string) =>
  losslessJsonParse(text, null, { parseNumber: (s) => new RawNumber(s), onDuplicateKey: ({ newValue }) => newValue });

const longText = 'c4ca4238a0b923820dcc509a6f75849b'.repeat(40);
const CORPUS: [string, string][] = [
  ['row image with a long text column', JSON.stringify({ id: 1, payload: longText, at: '2024-01-02T03:04:05.123456+00:00' })],
  ['integers beyond double precision', '[9007199254740993, -9223372036854775808, 18446744073709551615]'],
  ['numeric with many digits and trailing zeros', '[12345678901234567890123456.789012345678, 12.50, 0.1000000000000000000001, 1.0]'],
  ['negative zero and exponents', '[-0, -0.0, 0e0, 1e2, 1E+2, 2.5e-3, 1e400, -1e400, 5e-324, 4.9e-325]'],
  ['escapes and unicode', String.raw`{"q": "a \"quoted\" \\ back\/slash", "ws": "tab\there\nnl\r\b\f", "é": "日本語 ✓ 😀"}`],
  ['\\u escapes, surrogate pairs and a lone surrogate', String.raw`["\u00e9\u0000\u001f", "\ud83d\ude00", "\ud800", "\u005f_proto__"]`],
  ['nested json and jsonb columns', '{"doc": {"a": [1, {"b": [true, false, null, "x"]}], "n": 1.50}, "arr": [[1, 2], [], {}], "e": ""}'],
  ['duplicate keys: last wins, first position kept', '{"a": 1, "b": 2, "a": 3}'],
  ['whitespace everywhere', ' \n\t{ "a" :\r[ 1 , 2 ] , "b" : { } }\n '],
  ['scalar documents', '"just a string"'],
  ['a bare big number', '123456789012345678901234567890'],
  ['keys that look special', '{"constructor": 1, "toString": {"x": 2}, "hasOwnProperty": [3], "": 4}'],
];

describe('lossless JSON parser (src/core/lossless-json.ts)', () => {
  for (const [name, text] of CORPUS) {
    it(`agrees with lossless-json: ${name}`, () => {
      assert.deepEqual(parseJson(text), reference(text));
      assert.deepEqual(parseJsonRaw(text), referenceRaw(text));
      if (typeof reference(text) === 'object') assert.deepEqual(Object.keys(parseJson(text) as object), Object.keys(reference(text) as object));
    });
  }

  it('keeps every number as written in raw mode', () => {
    const parsed = parseJsonRaw('{"n": 12.50, "z": -0, "big": 9007199254740993, "e": 1E+2}') as Record<string, RawNumber>;
    assert.deepEqual(
      Object.values(parsed).map((v) => (assert.ok(v instanceof RawNumber), v.value)),
      ['12.50', '-0', '9007199254740993', '1E+2'],
    );
  });

  it('applies the lossless rule in normal mode: -0 is 0, unsafe digits stay strings', () => {
    const parsed = parseJson('[-0, 1.50, 9007199254740993, 1e400]') as unknown[];
    assert.ok(Object.is(parsed[0], 0));
    assert.deepEqual(parsed.slice(1), [1.5, '9007199254740993', '1e400']);
  });

  it('takes a long string as one flat value, not character by character', () => {
    const parsed = parseJsonRaw(JSON.stringify({ payload: longText })) as { payload: string };
    assert.equal(parsed.payload, longText);
  });

  describe('"__proto__" keys stay own data properties (the fallback route)', () => {
    for (const text of ['{"__proto__": {"x": 1}}', String.raw`{"\u005f_proto__": {"x": 1}}`, String.raw`{"__pr\u006fto__": [1]}`]) {
      it(text, () => {
        for (const parsed of [parseJson(text), parseJsonRaw(text)] as object[]) {
          assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
          assert.deepEqual(Object.keys(parsed), ['__proto__']);
          assert.equal(({} as { x?: unknown }).x, undefined, 'Object.prototype untouched');
        }
      });
    }
    it('nested, beside other keys', () => {
      const parsed = parseJson('{"a": {"__proto__": {"polluted": true}, "b": 1}}') as { a: Record<string, unknown> };
      assert.deepEqual(Object.keys(parsed.a), ['__proto__', 'b']);
      assert.equal((parsed.a as { polluted?: unknown }).polluted, undefined);
    });
  });

  for (const bad of ['{"a": 01}', '[1,]', '{"a" 1}', '"unterminated', '[1] x', '', '{"a": 1.}', '[-]', '["\\x"]', '["\\u12G4"]', '["a\nb"]', 'NaN']) {
    it(`rejects invalid JSON: ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseJson(bad), SyntaxError);
      assert.throws(() => parseJsonRaw(bad), SyntaxError);
    });
  }
});
