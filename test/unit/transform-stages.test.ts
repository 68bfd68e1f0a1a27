import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { ChangeEvent, Operation, Row } from '../../src/core/change-event.js';
import { compileTransform } from '../../src/transform/compile.js';
import type { TableTransformConfig } from '../../src/transform/schema.js';

const SECRET = 'correct-horse-battery-staple';
const env = { CDC_HASH_KEY: SECRET };
const hmac = (text: string) => createHmac('sha256', SECRET).update(text).digest('hex');

function event(operation: Operation, before: Row | null, after: Row | null, primaryKey: Row | null = { id: 1 }): ChangeEvent {
  return {
    event_id: '00000000-0000-5000-8000-000000000000',
    source_db: 'shop',
    table_name: 'public.users',
    operation,
    before_data: before,
    after_data: after,
    primary_key: primaryKey,
    timestamp: '2024-03-01T10:00:00.000Z',
    transaction_id: '7',
    sequence_number: '1',
    source: { mode: 'trigger', position: '1' },
    schema_version: 1,
  };
}

function run(config: TableTransformConfig, input: ChangeEvent): ChangeEvent | null {
  const transform = compileTransform('public.users', config, env);
  assert.ok(transform);
  return transform(input);
}

const row = { id: 1, email: 'ann@example.com', phone: '5551234', ssn: '123-45-6789', status: 'active' };

test('operation filter keeps only the listed operations', () => {
  const config: TableTransformConfig = { operations: ['INSERT', 'DELETE'] };
  const cases: [Operation, boolean][] = [
    ['INSERT', true],
    ['UPDATE', false],
    ['DELETE', true],
    ['SNAPSHOT', false],
    ['TRUNCATE', false],
  ];
  for (const [operation, kept] of cases) {
    const input = event(operation, operation === 'DELETE' ? row : null, operation === 'INSERT' ? row : null);
    assert.equal(run(config, input), kept ? input : null, operation);
  }
});

test('column include/exclude shapes both images; primary_key keeps every key column', () => {
  const cases: [string, TableTransformConfig, Row][] = [
    ['include', { columns: { include: ['email', 'status'] } }, { email: 'ann@example.com', status: 'active' }],
    ['exclude', { columns: { exclude: ['ssn', 'phone'] } }, { id: 1, email: 'ann@example.com', status: 'active' }],
    ['exclude a key column', { columns: { exclude: ['id'] } }, { email: 'ann@example.com', phone: '5551234', ssn: '123-45-6789', status: 'active' }],
    ['include an absent column', { columns: { include: ['id', 'nosuch'] } }, { id: 1 }],
  ];
  for (const [name, config, image] of cases) {
    const out = run(config, event('UPDATE', row, row))!;
    assert.deepEqual(out.before_data, image, name);
    assert.deepEqual(out.after_data, image, name);
    assert.deepEqual(out.primary_key, { id: 1 }, name);
  }
});

test('masks apply to both images and to key columns where hashing keeps keys distinct', () => {
  const config: TableTransformConfig = { mask: { email: 'hash', ssn: 'redact', phone: { partial: 4 }, id: 'hash' } };
  const out = run(config, event('UPDATE', row, { ...row, email: null }))!;
  const masked = { id: hmac('1'), email: hmac('ann@example.com'), phone: '***1234', ssn: null, status: 'active' };
  assert.deepEqual(out.before_data, masked);
  assert.deepEqual(out.after_data, { ...masked, email: null });
  assert.deepEqual(out.primary_key, { id: hmac('1') });
});

test('renames apply to images and primary_key, keeping column and key order', () => {
  const cases: [string, TableTransformConfig, Row, Row][] = [
    ['plain', { rename: { email: 'email_address' } }, { id: 1, email_address: 'ann@example.com', status: 'active' }, { id: 1 }],
    ['key column', { rename: { id: 'user_id' } }, { user_id: 1, email: 'ann@example.com', status: 'active' }, { user_id: 1 }],
    ['swap', { rename: { email: 'status', status: 'email' } }, { id: 1, status: 'ann@example.com', email: 'active' }, { id: 1 }],
  ];
  for (const [name, config, image, key] of cases) {
    const input = event('UPDATE', { id: 1, email: 'ann@example.com', status: 'active' }, { id: 1, email: 'ann@example.com', status: 'active' });
    const out = run(config, input)!;
    assert.deepEqual(out.before_data, image, name);
    assert.deepEqual(Object.keys(out.after_data!), Object.keys(image), `${name}: order`);
    assert.deepEqual(out.primary_key, key, name);
  }
  const composite = run({ rename: { b: 'bb' } }, event('INSERT', null, { a: 1, b: 2, c: 3 }, { a: 1, b: 2 }))!;
  assert.deepEqual(Object.keys(composite.primary_key!), ['a', 'bb']);
});

test('a where predicate drops rows that do not match', () => {
  const config: TableTransformConfig = { where: 'status == "active"' };
  assert.ok(run(config, event('INSERT', null, row)));
  assert.equal(run(config, event('INSERT', null, { ...row, status: 'gone' })), null);
});

test('a column named __proto__ stays an ordinary property', () => {
  const image = JSON.parse('{"id":1,"__proto__":{"polluted":true},"x":2}') as Row;
  const out = run({ rename: { x: 'y' } }, event('INSERT', null, image))!;
  assert.deepEqual(Object.keys(out.after_data!), ['id', '__proto__', 'y']);
  assert.equal(Object.getPrototypeOf(out.after_data), Object.prototype);
  assert.equal((out.after_data as { polluted?: boolean }).polluted, undefined);
});
