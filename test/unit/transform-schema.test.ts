import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { tableTransformSchema, tableTransformShape } from '../../src/transform/schema.js';

const full = {
  columns: { exclude: ['password_hash'] },
  operations: ['INSERT', 'UPDATE', 'DELETE'],
  where: 'status == "active" and country in ("DE", "FR")',
  rename: { email: 'email_address' },
  mask: { email: 'hash', ssn: 'redact', phone: { partial: 4 } },
  hash_key_env: 'CDC_HASH_KEY',
};

test('a complete transform block parses unchanged', () => {
  assert.deepEqual(tableTransformSchema.parse(full), full);
  assert.deepEqual(tableTransformSchema.parse({}), {});
});

test('the shape spreads into a table entry, as src/config/schema.ts would use it', () => {
  const entry = z.object({ name: z.string(), ...tableTransformShape }).strict();
  assert.deepEqual(entry.parse({ name: 'users', ...full }), { name: 'users', ...full });
});

test('malformed blocks are rejected with the key and the allowed values', () => {
  const cases: [unknown, (string | number)[], RegExp][] = [
    [{ filter: 'x' }, [], /Unrecognized key: "filter"/],
    [{ operations: ['INSERT', 'UPSERT'] }, ['operations', 1], /expected one of INSERT, UPDATE, DELETE, SNAPSHOT, TRUNCATE/],
    [{ operations: [] }, ['operations'], /at least one of INSERT/],
    [{ columns: { include: ['a'], exclude: ['b'] } }, ['columns'], /either "include" or "exclude", not both/],
    [{ columns: {} }, ['columns'], /expected "include: \[columns\]" or "exclude: \[columns\]"/],
    [{ columns: { include: [] } }, ['columns', 'include'], /at least one column/],
    [{ columns: { only: ['a'] } }, ['columns'], /Unrecognized key: "only"/],
    [{ where: 'status = "x"' }, ['where'], /unrecognized text at "= "x""; compare with ==/],
    [{ where: 'a >' }, ['where'], /expression ends too early after "a >"/],
    [{ where: 42 }, ['where'], /expected an expression/],
    [{ mask: { email: 'encrypt' } }, ['mask', 'email'], /expected "hash", "redact" or \{ partial: <characters to keep> \}/],
    [{ mask: { phone: { partial: 0 } } }, ['mask', 'phone', 'partial'], /at least 1 character/],
    [{ mask: { phone: { partial: 2, from: 'start' } } }, ['mask', 'phone'], /Unrecognized key: "from"/],
    [{ rename: { a: 7 } }, ['rename', 'a'], /expected the new column name/],
    [{ rename: { a: '' } }, ['rename', 'a'], /expected the new column name/],
    [{ hash_key_env: 'my key' }, ['hash_key_env'], /expected an environment variable name such as CDC_HASH_KEY/],
  ];
  for (const [raw, path, re] of cases) {
    const result = tableTransformSchema.safeParse(raw);
    assert.equal(result.success, false, JSON.stringify(raw));
    const issue = result.error!.issues[0]!;
    assert.deepEqual(issue.path, path, JSON.stringify(raw));
    assert.match(issue.message, re, JSON.stringify(raw));
  }
});
