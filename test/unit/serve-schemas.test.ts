import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createConsumerSchema, createSourceSchema } from '../../src/serve/schemas.js';
import { describeIssue } from '../../src/serve/validate.js';
import { servedOpenApiDocument } from '../../src/serve/serve.js';
import { captureConfig } from '../../src/serve/source-spec.js';

const problem = (schema: typeof createSourceSchema | typeof createConsumerSchema, body: unknown): string | null => {
  const r = schema.safeParse(body);
  return r.success ? null : describeIssue('body', r.error.issues[0]!, body);
};

describe('API request schemas', () => {
  const ok = { db_type: 'postgresql', connection_string: 'postgres://u@h/db' };

  test('errors name the field, one line each', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...ok, db_type: 'oracle' }, /^body\.db_type: must be one of "postgresql", "mysql", "mariadb", "mongodb"$/],
      [{ db_type: 'mysql' }, /^body\.connection_string: required$/],
      [{ ...ok, tables: 'users' }, /^body\.tables: expected array$/],
      [{ ...ok, source_id: 'a b' }, /^body\.source_id: expected 1-100 letters/],
      [{ ...ok, install: 'yes' }, /^body\.install: expected boolean$/],
      [{ ...ok, nope: 1 }, /^body\.nope: unknown field$/],
      [{ ...ok, tables: ['t'], options: { tables: { t: { schedule: 'often' } } } }, /^body\.options\.tables\.t\.schedule: /],
      [{ ...ok, tables: ['t'], options: { tables: { t: { operations: ['MERGE'] } } } }, /^body\.options\.tables\.t\.operations\.0: /],
      [{ ...ok, options: { batch_size: 0 } }, /^body\.options\.batch_size: /],
    ];
    for (const [body, expected] of cases) {
      const p = problem(createSourceSchema, body);
      assert.ok(p, JSON.stringify(body));
      assert.match(p, expected);
      assert.ok(!p.includes('\n'));
    }
    assert.equal(problem(createSourceSchema, ok), null);
  });

  test('defaults: no tables, no install, trigger mode, native format', () => {
    assert.deepEqual(createSourceSchema.parse(ok), { ...ok, tables: [], install: false, options: { mode: 'trigger', format: 'native', tables: {} } });
  });

  test('consumer filters', () => {
    assert.match(problem(createConsumerSchema, { source_id: 's', operation_filter: ['SNAPSHOT'] })!, /^body\.operation_filter\.0: must be one of "INSERT", "UPDATE", "DELETE"$/);
    assert.match(problem(createConsumerSchema, { source_id: 's', column_filter: [''] })!, /^body\.column_filter\.0: /);
    assert.match(problem(createConsumerSchema, {})!, /^body\.source_id: required$/);
    assert.deepEqual(createConsumerSchema.parse({ source_id: 's' }), { source_id: 's', table_filter: [], column_filter: [], operation_filter: [] });
  });
});

describe('a registered source as cdc run config', () => {
  test('per-table options become config-file table entries; mode stays out of them', () => {
    const config = captureConfig(
      {
        id: 'shop',
        dbType: 'postgresql',
        url: 'postgres://u@h/shop',
        tables: [{ name: 'public.users', mode: 'trigger' }, { name: 'public.orders', mode: 'log' }],
        options: { mode: 'trigger', format: 'debezium', schedule: '1s', tables: { 'public.users': { mode: 'trigger', where: 'id > 1', batch_size: 10 } } },
      },
      { brokers: ['k:9092'], logLevel: 'info' },
    );
    assert.equal(config.format, 'debezium');
    assert.equal(config.defaults.schedule, '1s');
    assert.deepEqual(config.kafka.brokers, ['k:9092']);
    assert.deepEqual(config.sources, [{ url: 'postgres://u@h/shop', id: 'shop', tables: [{ name: 'public.users', where: 'id > 1', batch_size: 10 }, 'public.orders'] }]);
  });
});

test('docs/openapi.json is what the server generates', () => {
  const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
  assert.deepEqual(servedOpenApiDocument(), committed, 'regenerate with: node bin/cdc.js serve --print-openapi > docs/openapi.json');
});
