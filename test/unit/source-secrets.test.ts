import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withPasswordFile } from '../../src/config/url-password.js';
import { withSourceTls } from '../../src/config/source-tls.js';
import { secretFrom } from '../../src/config/secret-file.js';

const dir = mkdtempSync(join(tmpdir(), 'cdc-secret-unit-'));
const file = join(dir, 'pw');
writeFileSync(file, 'p@ss:w/rd\n');

test('a password file goes into the URL, percent-encoded, without its trailing newline', () => {
  assert.equal(withPasswordFile('postgres://cdc@db:5432/shop', file, 'k'), 'postgres://cdc:p%40ss%3Aw%2Frd@db:5432/shop');
  assert.equal(withPasswordFile('mysql://cdc@db/shop?ssl-mode=REQUIRED', file, 'k'), 'mysql://cdc:p%40ss%3Aw%2Frd@db/shop?ssl-mode=REQUIRED');
  assert.equal(withPasswordFile('redis://127.0.0.1:6380/0', file, 'k'), 'redis://:p%40ss%3Aw%2Frd@127.0.0.1:6380/0');
  assert.equal(withPasswordFile('postgres://cdc@db/shop', undefined, 'k'), 'postgres://cdc@db/shop');
});

test('password file errors name the key, never the content', () => {
  const cases: [string, string, RegExp][] = [
    ['postgres://cdc:inline@db/shop', file, /key "k" is set and the URL has a password too/],
    ['postgres://cdc@db/shop?password=inline', file, /key "k" is set and the URL has a password too/],
    ['postgres://db/shop', file, /key "k": the URL names no user/],
    ['postgres://cdc@db/shop', join(dir, 'missing'), /key "k": cannot read .*missing: no such file/],
    ['postgres://cdc@db/shop', dir, /key "k": cannot read .*: is a directory/],
  ];
  for (const [url, f, re] of cases) {
    assert.throws(() => withPasswordFile(url, f, 'k'), (err: Error) => re.test(err.message) && !err.message.includes('p@ss'), url);
  }
  const empty = join(dir, 'empty');
  writeFileSync(empty, '\n');
  assert.throws(() => withPasswordFile('postgres://cdc@db/shop', empty, 'k'), /is empty/);
  assert.throws(() => secretFrom('a.password', 'x', 'a.password_file', file), /keys "a.password" and "a.password_file" are both set/);
});

test('sources[].tls becomes each database\'s own URL parameters', () => {
  const tls = { mode: 'verify-full' as const, ca_file: '/ca.pem' };
  assert.equal(withSourceTls('postgres://u@h/db', tls, 'k'), 'postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fca.pem');
  assert.equal(withSourceTls('mysql://u@h/db?poolSize=4', tls, 'k'), 'mysql://u@h/db?poolSize=4&ssl-mode=VERIFY_IDENTITY&ssl-ca=%2Fca.pem');
  assert.equal(withSourceTls('mongodb://h/db', tls, 'k'), 'mongodb://h/db?tls=true&tlsCAFile=%2Fca.pem');
  assert.equal(withSourceTls('mysql://u@h/db', { mode: 'verify-ca' }, 'k'), 'mysql://u@h/db?ssl-mode=VERIFY_CA');
  assert.throws(() => withSourceTls('postgres://u@h/db?sslmode=require', tls, 'sources.0.tls'), /key "sources.0.tls" and the URL's sslmode= both set TLS/);
  assert.throws(() => withSourceTls('pglite://memory', tls, 'k'), /TLS applies to/);
});
