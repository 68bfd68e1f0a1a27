import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets, redactUrl } from '../../src/logging.js';

/** Every form a password takes in a connection string, and text that must stay as it is. */
const CASES: [string, string][] = [
  ['postgres://u:pw1@h:5432/db', 'postgres://u:***@h:5432/db'],
  ['mysql://root:p%40ss@127.0.0.1:3306/shop', 'mysql://root:***@127.0.0.1:3306/shop'],
  ['postgres://u@h/db?password=pw2', 'postgres://u@h/db?password=***'],
  ['mysql://u@h/db?poolSize=4&password=pw3&ssl-mode=REQUIRED', 'mysql://u@h/db?poolSize=4&password=***&ssl-mode=REQUIRED'],
  ['postgres://u@h/db?sslmode=verify-full&sslpassword=pw4', 'postgres://u@h/db?sslmode=verify-full&sslpassword=***'],
  ['postgres:/u:pw5@127.0.0.1/db', 'postgres:/u:***@127.0.0.1/db'],
  ['postgres:u:pw6@127.0.0.1/db', 'postgres:***@127.0.0.1/db'], // over-redacted: no way to tell user from scheme
  ['u:pw7@127.0.0.1/db', 'u:***@127.0.0.1/db'],
  ['redis://:pw8@127.0.0.1:6380/0', 'redis://:***@127.0.0.1:6380/0'],
  ['rediss://cdc:pw9@127.0.0.1:6381/0', 'rediss://cdc:***@127.0.0.1:6381/0'],
  ['mongodb://u:pw10@h1:27017,h2:27017/db?replicaSet=rs', 'mongodb://u:***@h1:27017,h2:27017/db?replicaSet=rs'],
  ['postgres://u:p@w11@h/db', 'postgres://u:***@h/db'],
];

test('redactUrl hides passwords in every URL form, valid or not', () => {
  for (const [url, want] of CASES) {
    const got = redactUrl(url);
    assert.equal(got, want, url);
    assert.ok(!/pw\d|p%40ss/.test(got), `${url} → ${got}`);
  }
});

test('redactSecrets hides them inside messages and stack traces', () => {
  for (const [url] of CASES) {
    const text = `Error: cannot connect to ${url}: refused\n    at connect (file:///x.ts:1:2) "url":"${url}"`;
    assert.ok(!/pw\d|p%40ss/.test(redactSecrets(text)), redactSecrets(text));
  }
});

test('redactSecrets leaves text without secrets alone', () => {
  for (const text of [
    'expected postgres://user[:password]@host[:port]/database',
    "Access denied for user 'root'@'localhost' (using password: YES)",
    'cannot reach Kafka at 127.0.0.1:9094,127.0.0.1:9092',
    '2026-12-03T12:40:36.557Z drained 12 events',
    'table public.users key {"id":42}',
  ]) {
    assert.equal(redactSecrets(text), text);
  }
});
