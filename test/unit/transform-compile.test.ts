import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { ChangeEvent, Operation, Row } from '../../src/core/change-event.js';
import { ConfigError } from '../../src/core/errors.js';
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

test('nothing configured compiles to undefined: no per-event cost', () => {
  for (const config of [{}, { hash_key_env: 'CDC_HASH_KEY' }, { operations: ['INSERT', 'UPDATE', 'DELETE', 'SNAPSHOT', 'TRUNCATE'] }, { mask: {}, rename: {} }] as TableTransformConfig[]) {
    assert.equal(compileTransform('public.users', config, env), undefined, JSON.stringify(config));
  }
});

test('stage order: operations → where on source names and values → columns → mask → rename', () => {
  const transform = compileTransform(
    'public.users',
    {
      operations: ['INSERT', 'UPDATE', 'DELETE'],
      // Reads the cleartext email and the ssn column, although both are masked or excluded later.
      where: 'email == "ann@example.com" and ssn != null',
      columns: { exclude: ['ssn'] },
      mask: { email: 'hash', ssn: 'redact' },
      rename: { email: 'email_hash', id: 'user_id' },
    },
    env,
  )!;
  const row = { id: 1, email: 'ann@example.com', ssn: '123-45-6789' };
  const expected = { user_id: 1, email_hash: hmac('ann@example.com') };
  const out = transform(event('INSERT', null, row));
  assert.deepEqual(out?.after_data, expected);
  assert.deepEqual(out?.primary_key, { user_id: 1 });
  assert.equal(transform(event('INSERT', null, { ...row, email: 'bob@example.com' })), null, 'where sees values before masking');
  assert.equal(transform(event('TRUNCATE', null, null, null)), null, 'operations run before where (which passes TRUNCATE)');
  // A row leaving the filter becomes a DELETE, and is projected like any other event.
  const left = transform(event('UPDATE', row, { ...row, ssn: null }));
  assert.equal(left?.operation, 'DELETE');
  assert.deepEqual(left?.before_data, expected);
  assert.equal(left?.after_data, null);
  assert.equal(left?.source.row_filter, 'left');
});

test('the input event is never mutated', () => {
  const transform = compileTransform(
    'public.users',
    { where: 'status == "active"', columns: { include: ['id', 'email', 'phone'] }, mask: { email: 'hash', phone: { partial: 2 } }, rename: { id: 'user_id' } },
    env,
  )!;
  const inputs = [
    event('UPDATE', { id: 1, email: 'a@x', phone: '555', status: 'active' }, { id: 1, email: 'b@x', phone: '556', status: 'gone' }),
    event('INSERT', null, { id: 1, email: 'a@x', phone: '555', status: 'active' }),
    event('DELETE', { id: 1, email: 'a@x', phone: '555', status: 'active' }, null),
  ];
  for (const input of inputs) {
    const copy = structuredClone(input);
    assert.ok(transform(deepFreeze(input)), input.operation);
    assert.deepEqual(input, copy, input.operation);
  }
});

test('every config error is one line naming the table and the key', () => {
  const opts = { keyColumns: ['id'], keyPrefix: 'sources.0.tables.1.' };
  const cases: [TableTransformConfig, NodeJS.ProcessEnv, string, RegExp][] = [
    [{ columns: { include: ['a'], exclude: ['b'] } }, env, 'columns', /not both/],
    [{ columns: { include: ['a', 'a'] } }, env, 'columns', /"a" is listed twice/],
    [{ where: 'status = 1' }, env, 'where', /unrecognized text at "= 1"; compare with ==/],
    [{ where: 'len(name) > 1' }, env, 'where', /unknown function "len"/],
    [{ rename: { a: 'x', b: 'x' } }, env, 'rename.b', /columns "a" and "b" are both renamed to "x"/],
    [{ columns: { include: ['a', 'x'] }, rename: { a: 'x' } }, env, 'rename.a', /column "x" already exists \(it is in columns.include\)/],
    [{ rename: { email: 'id' } }, env, 'rename.email', /column "id" already exists \(it is a key column\)/],
    [{ mask: { id: 'redact' } }, env, 'mask.id', /"redact" on key column "id" would give different rows the same Kafka key; use hash/],
    [{ mask: { id: { partial: 4 } } }, env, 'mask.id', /"partial: 4" on key column "id"/],
    [{ mask: { email: 'hash' } }, {}, 'mask.email', /environment variable CDC_HASH_KEY, which is not set \(or name another variable in "hash_key_env"\)/],
    [{ mask: { email: 'hash' }, hash_key_env: 'PII_KEY' }, env, 'hash_key_env', /environment variable PII_KEY, which is not set/],
    [{ mask: { email: 'hash' } }, { CDC_HASH_KEY: 'tooshort' }, 'mask.email', /shorter than 16 characters/],
  ];
  for (const [config, environment, key, re] of cases) {
    const name = JSON.stringify(config);
    assert.throws(
      () => compileTransform('public.users', config, environment, opts),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, name);
        assert.ok(err.message.startsWith(`table public.users: key "sources.0.tables.1.${key}": `), `${name}: ${err.message}`);
        assert.match(err.message, re, name);
        assert.ok(!err.message.includes('\n'), name);
        if (environment.CDC_HASH_KEY) assert.ok(!err.message.includes(environment.CDC_HASH_KEY), `${name}: key leaked`);
        return true;
      },
    );
  }
});

test('key problems unknown at start-up stop the pipeline on the first event that shows them', () => {
  const cases: [TableTransformConfig, ChangeEvent, RegExp][] = [
    [{ mask: { id: 'redact' } }, event('INSERT', null, { id: 1 }), /key "mask.id": "redact" on key column "id"/],
    [{ rename: { email: 'status' } }, event('INSERT', null, { id: 1, email: 'a', status: 'b' }), /key "rename.email": column "status" already exists/],
    [{ rename: { email: 'id' } }, event('INSERT', null, { email: 'a' }), /key "rename.email": column "id" already exists/],
  ];
  for (const [config, input, re] of cases) {
    const transform = compileTransform('public.users', config, env)!;
    assert.throws(() => transform(input), (err: unknown) => err instanceof ConfigError && re.test(err.message), JSON.stringify(config));
  }
  // Excluding the column a rename lands on removes the collision in the images.
  const ok = compileTransform('public.users', { columns: { exclude: ['status'] }, rename: { email: 'status' } }, env)!;
  assert.deepEqual(ok(event('INSERT', null, { id: 1, email: 'a', status: 'b' }))?.after_data, { id: 1, status: 'a' });
});
