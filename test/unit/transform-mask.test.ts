import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSecretKey } from 'node:crypto';
import { hashMasker, loadHashKey, maskText, partialMasker, redact } from '../../src/transform/mask.js';

const SECRET = 'correct-horse-battery-staple';
const hmac = (text: string) => createHmac('sha256', SECRET).update(text).digest('hex');

test('hash is HMAC-SHA256 hex of the value text: equal inputs, equal outputs', () => {
  const hash = hashMasker(createSecretKey(Buffer.from(SECRET)));
  const cases: [unknown, unknown][] = [
    ['ann@example.com', hmac('ann@example.com')],
    [42, hmac('42')],
    ['9007199254740993', hmac('9007199254740993')],
    [true, hmac('true')],
    [{ a: [1, 2] }, hmac('{"a":[1,2]}')],
    [null, null],
  ];
  for (const [input, expected] of cases) assert.equal(hash(input), expected, JSON.stringify(input));
  // Repeats (before/after of an UPDATE) are remembered; the memo must never answer for another value.
  for (const v of ['x', 'x', 'y', 'x', 1, '1', 1]) assert.equal(hash(v), hmac(String(v)), String(v));
  assert.notEqual(hashMasker(createSecretKey(Buffer.from(`${SECRET}!`)))('x'), hash('x'));
});

test('partial keeps the last n characters and never reveals a whole value', () => {
  const cases: [number, unknown, unknown][] = [
    [4, '+49 170 1234567', '***********4567'],
    [4, 5551234, '***1234'],
    [4, '1234', '****'],
    [4, '12', '**'],
    [2, 'ab😀c', '**😀c'],
    [1, '', ''],
    [4, null, null],
  ];
  for (const [keep, input, expected] of cases) assert.equal(partialMasker(keep)(input), expected, `${keep} ${String(input)}`);
});

test('redact gives null whatever the value', () => {
  for (const v of ['secret', 123, { a: 1 }, null]) assert.equal(redact(v), null);
});

test('maskText is the documented text form', () => {
  assert.equal(maskText('a"b'), 'a"b');
  assert.equal(maskText(1.5), '1.5');
  assert.equal(maskText(['x', null]), '["x",null]');
});

test('the hash key comes from the environment, and its value never appears in a message', () => {
  const cases: [NodeJS.ProcessEnv, RegExp | null][] = [
    [{}, /environment variable K, which is not set/],
    [{ K: '' }, /environment variable K, which is not set/],
    [{ K: 'short-secret' }, /shorter than 16 characters/],
    [{ K: SECRET }, null],
  ];
  for (const [env, re] of cases) {
    const loaded = loadHashKey('K', env);
    if (re === null) assert.ok('key' in loaded);
    else {
      assert.ok('problem' in loaded);
      assert.match(loaded.problem, re);
      if (env.K) assert.ok(!loaded.problem.includes(env.K));
    }
  }
});
