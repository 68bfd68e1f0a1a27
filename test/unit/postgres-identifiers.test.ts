import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advisoryKey, logTableName, quoteIdent, quoteTable, triggerFunctionName } from '../../adapters/postgres/identifiers.js';
import { renderSql } from '../../src/core/sql-template.js';

describe('postgres identifiers', () => {
  const quoting: [string, string][] = [
    ['users', '"users"'],
    ['Users', '"Users"'],
    ['my table', '"my table"'],
    ['We"ird; DROP TABLE x; --', '"We""ird; DROP TABLE x; --"'],
    ['a.b', '"a.b"'],
    ['""', '""""""'],
  ];
  for (const [name, want] of quoting) it(`quotes ${JSON.stringify(name)}`, () => assert.equal(quoteIdent(name), want));

  it('rejects NUL', () => assert.throws(() => quoteIdent('a\u0000b')));

  it('quotes schema and table separately', () => {
    assert.equal(quoteTable({ schema: 'My Schema', name: 'x"y' }), '"My Schema"."x""y"');
  });

  const logNames: [string, string, RegExp][] = [
    ['public', 'users', /^log_public_users_[0-9a-f]{8}$/],
    ['public', 'We"ird; DROP TABLE x; --', /^log_public_we_ird_drop_table_x_[0-9a-f]{8}$/],
    ['Sales', 'Order Items', /^log_sales_order_items_[0-9a-f]{8}$/],
    ['public', 'ÄÖÜ', /^log_public_[0-9a-f]{8}$/],
    ['public', '🙂', /^log_public_[0-9a-f]{8}$/],
  ];
  for (const [schema, name, pattern] of logNames) {
    it(`log table for ${schema}.${name}`, () => assert.match(logTableName({ schema, name }), pattern));
  }

  it('keeps derived names within 63 bytes and plain', () => {
    const t = { schema: 's'.repeat(63), name: 'ß'.repeat(63) };
    for (const n of [logTableName(t), triggerFunctionName(t)]) {
      assert.ok(Buffer.byteLength(n) <= 63, n);
      assert.match(n, /^[a-z0-9_]+$/);
    }
  });

  it('tells apart names that sanitize alike', () => {
    assert.notEqual(logTableName({ schema: 'public', name: 'Users' }), logTableName({ schema: 'public', name: 'users' }));
    assert.notEqual(logTableName({ schema: 'public', name: 'a b' }), logTableName({ schema: 'public', name: 'a_b' }));
  });

  it('advisory keys are signed 64-bit and purpose-specific', () => {
    const a = BigInt(advisoryKey('source', 'public.users'));
    assert.ok(a >= -(2n ** 63n) && a < 2n ** 63n);
    assert.notEqual(advisoryKey('source', 'public.users'), advisoryKey('install', 'public.users'));
  });

  it('fills templates in one pass', () => {
    const sql = renderSql('DROP TRIGGER x ON {{table}}; -- {{log_table}}', { table: '"{{log_table}}"', log_table: '"l"' });
    assert.equal(sql, 'DROP TRIGGER x ON "{{log_table}}"; -- "l"');
    assert.throws(() => renderSql('{{missing}}', {}), /missing/);
  });
});
