import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/serve/secret-box.js';
import { hashSecret, newToken, parseToken, scopeAllows, secretMatches } from '../../src/serve/tokens.js';

describe('SecretBox (AES-256-GCM for the registry connection strings)', () => {
  const box = new SecretBox(randomBytes(32));

  test('round trip, and a fresh nonce each time', () => {
    const url = 'postgres://cdc:s3cret@db.example:5432/shop?sslmode=require';
    const a = box.seal(url);
    const b = box.seal(url);
    assert.notEqual(a, b);
    assert.ok(!a.includes('s3cret'));
    assert.equal(box.open(a), url);
    assert.equal(box.open(b), url);
  });

  test('another key or an altered value is refused, not decrypted to garbage', () => {
    const sealed = box.seal('mysql://root:pw@h/db');
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed), /registry key differs/);
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => box.open(`v1:${raw.toString('base64')}`), /registry key differs/);
    assert.throws(() => box.open('v9:abc'), /unknown format/);
  });

  test('keys are 32 bytes as base64 or hex; anything else is a one-line error naming where it came from', () => {
    const key = randomBytes(32);
    const sealed = new SecretBox(key).seal('x');
    assert.equal(SecretBox.fromText(key.toString('base64') + '\n', 'file k').open(sealed), 'x');
    assert.equal(SecretBox.fromText(key.toString('hex'), 'env').open(sealed), 'x');
    assert.throws(() => SecretBox.fromText('short', 'CDC_REGISTRY_KEY'), /^ConfigError: CDC_REGISTRY_KEY: expected 32 random bytes/);
    assert.equal(Buffer.from(SecretBox.generateKeyText(), 'base64').length, 32);
  });
});

describe('API tokens', () => {
  test('a new token parses back to its id, and only its secret hash matches', () => {
    const t = newToken();
    const parsed = parseToken(t.token);
    assert.ok(parsed);
    assert.equal(parsed.id, t.id);
    assert.equal(hashSecret(parsed.secret), t.hash);
    assert.ok(!t.hash.includes(parsed.secret));
    assert.equal(secretMatches(parsed.secret, t.hash), true);
    assert.equal(secretMatches(parsed.secret.slice(0, -1) + (parsed.secret.endsWith('A') ? 'B' : 'A'), t.hash), false);
    assert.equal(secretMatches(parsed.secret, 'abcd'), false, 'a malformed stored hash never matches');
  });

  test('malformed tokens are not parsed', () => {
    for (const bad of ['', 'cdc_', 'Bearer x', `cdc_short_${'A'.repeat(43)}`, `cdc_AAAAAAAAAAAA_${'A'.repeat(42)}`, `xyz_AAAAAAAAAAAA_${'A'.repeat(43)}`]) {
      assert.equal(parseToken(bad), null, bad);
    }
  });

  test('scopes: read may only GET/HEAD, admin everything', () => {
    const table: [Parameters<typeof scopeAllows>[0], string, boolean][] = [
      ['read', 'GET', true],
      ['read', 'HEAD', true],
      ['read', 'POST', false],
      ['read', 'DELETE', false],
      ['admin', 'GET', true],
      ['admin', 'POST', true],
      ['admin', 'DELETE', true],
    ];
    for (const [scope, method, allowed] of table) assert.equal(scopeAllows(scope, method), allowed, `${scope} ${method}`);
  });
});
