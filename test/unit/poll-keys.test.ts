import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chunkDigest, keyHash, keyObject, knownMember, memberRange, parseMember, sortableKey } from '../../adapters/poll/keys.js';
import { parseDuration } from '../../adapters/poll/config.js';
import { isoMicros } from '../../adapters/poll/dialect.js';

/** Redis compares members as bytes. */
const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** ZRANGEBYLEX semantics over an in-memory list. */
function zrangebylex(members: string[], lo: string, hi: string): string[] {
  const above = (m: string) => lo === '-' || (lo[0] === '[' ? byteCompare(m, lo.slice(1)) >= 0 : byteCompare(m, lo.slice(1)) > 0);
  const below = (m: string) => hi === '+' || (hi[0] === '[' ? byteCompare(m, hi.slice(1)) <= 0 : byteCompare(m, hi.slice(1)) < 0);
  return [...members].sort(byteCompare).filter((m) => above(m) && below(m));
}

test('integer keys sort by value in every width, signed and unsigned', () => {
  const values: (number | string)[] = [-9223372036854775808n.toString(), -5, 0, 1, 2, 10, 9007199254740991, '9007199254740993', '18446744073709551615'];
  const shuffled = [...values].reverse();
  const sorted = shuffled.map((v) => ({ v, s: sortableKey([v]) })).sort((a, b) => byteCompare(a.s, b.s)).map((x) => x.v);
  assert.deepEqual(sorted, values);
});

test('composite and text keys sort like tuples compared byte-wise, whatever the characters', () => {
  const keys: unknown[][] = [
    [1, ''],
    [1, 'a'],
    [1, 'a\u0000'],
    [1, 'a\u0001'],
    [1, 'a\u0001b'],
    [1, 'ab'],
    [1, 'é'],
    [2, 'a'],
  ];
  const sorted = [...keys].reverse().sort((a, b) => byteCompare(sortableKey(a), sortableKey(b)));
  assert.deepEqual(sorted, keys);
});

test('member ranges select exactly the keys in (after, upTo], and members parse back', () => {
  const members = [1, 2, 3, 10, 11, 20].map((id) => knownMember([id], `2024-01-01 00:00:0${id % 10}+00`));
  const ids = (lo: unknown[] | null, hi: unknown[] | null) => zrangebylex(members, ...memberRange(lo, hi)).map((m) => parseMember(m).values[0]);
  assert.deepEqual(ids(null, [3]), [1, 2, 3]);
  assert.deepEqual(ids([3], [11]), [10, 11]);
  assert.deepEqual(ids([11], null), [20]);
  assert.deepEqual(ids([4], [9]), []);
  assert.deepEqual(parseMember(knownMember([7, 'x\u0000y'], 'st|amp')), { values: [7, 'x\u0000y'], stamp: 'st|amp' });
});

test('the chunk digest is order-independent and hashes the key text the database prints', () => {
  const md5 = (s: string) => BigInt('0x' + createHash('md5').update(s).digest('hex').slice(0, 15));
  assert.equal(keyHash([42]), md5('42'));
  assert.equal(keyHash([7, 'a']), md5('7\u001fa'));
  assert.equal(keyHash(['12.50']), md5('12.50'));
  const a = chunkDigest([[1], [2], [3]]);
  assert.deepEqual(chunkDigest([[3], [1], [2]]), a);
  assert.equal(a.count, 3);
  assert.equal(a.sum, (md5('1') + md5('2') + md5('3')).toString());
  assert.notDeepEqual(chunkDigest([[1], [2]]), a);
});

test('key objects keep column order and odd names', () => {
  assert.equal(JSON.stringify(keyObject(['b', '__proto__'], [1, 'x'])), '{"b":1,"__proto__":"x"}');
});

test('durations and UTC texts', () => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['5s', 5000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['3', 3000],
    ['1.5s', 1500],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration('--x', text), ms, text);
  assert.throws(() => parseDuration('--safety-lag', 'soon'), /--safety-lag must be a duration/);
  assert.equal(isoMicros('2024-01-02 03:04:05.5+00'), '2024-01-02T03:04:05.500000Z');
  assert.equal(isoMicros('2024-01-02 03:04:05.123456'), '2024-01-02T03:04:05.123456Z');
  assert.equal(isoMicros('2024-01-02 03:04:05'), '2024-01-02T03:04:05.000000Z');
});
