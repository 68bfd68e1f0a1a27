import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cdcObjectNames, isCdcObject, migrationLockName, quoteIdent, quoteTable, sanitize, sqlString, stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import { ackToken, changeIdOf, compressIds } from '../../adapters/mysql/trigger/position.js';
import { parseMysqlUrl, redactMysqlUrl } from '../../adapters/mysql/connect.js';
import { splitStatements } from '../../adapters/mysql/sql-files.js';
import { needsSuper } from '../../adapters/mysql/privileges.js';
import { renderSql } from '../../src/core/sql-template.js';

test('quoteIdent doubles backticks and leaves everything else inert', () => {
  const cases: [string, string][] = [
    ['users', '`users`'],
    ['My Table', '`My Table`'],
    ['We`ird; DROP TABLE x; --', '`We``ird; DROP TABLE x; --`'],
    ["it's \"quoted\"", "`it's \"quoted\"`"],
    ['``', '``````'],
    ['ünï', '`ünï`'],
  ];
  for (const [input, expected] of cases) assert.equal(quoteIdent(input), expected, input);
  assert.equal(quoteTable({ schema: 'a`b', name: 'c' }), '`a``b`.`c`');
  assert.throws(() => quoteIdent(''), /empty/);
  assert.throws(() => quoteIdent('a\u0000b'), /NUL/);
});

test('sqlString never relies on backslash escapes', () => {
  const cases: [string, string][] = [
    ['id', "'id'"],
    ["O'Brien", "'O''Brien'"],
    ['a\\b', "CONVERT(X'615c62' USING utf8mb4)"],
    ['é', "CONVERT(X'c3a9' USING utf8mb4)"],
    ['tab\there', "CONVERT(X'7461620968657265' USING utf8mb4)"],
  ];
  for (const [input, expected] of cases) assert.equal(sqlString(input), expected, input);
});

test('cdc object names are readable, distinct and fit 64 characters', () => {
  const cases: [string, RegExp][] = [
    ['users', /^cdc_log_users_[0-9a-f]{8}$/],
    ['Order Items', /^cdc_log_order_items_[0-9a-f]{8}$/],
    ['We`ird; DROP TABLE x; --', /^cdc_log_we_ird_drop_table_x_[0-9a-f]{8}$/],
    ['ÄÖÜ', /^cdc_log_t_[0-9a-f]{8}$/],
    ['x'.repeat(64), /^cdc_log_x{47}_[0-9a-f]{8}$/],
  ];
  for (const [name, pattern] of cases) {
    const n = cdcObjectNames({ schema: 'shop', name });
    assert.match(n.logTable, pattern, name);
    for (const t of [n.logTable, ...Object.values(n.triggers), n.drainLock]) assert.ok(t.length <= 64, `${t} is too long`);
  }
  const a = cdcObjectNames({ schema: 'shop', name: 'Users' });
  const b = cdcObjectNames({ schema: 'shop', name: 'users' });
  const c = cdcObjectNames({ schema: 'other', name: 'users' });
  assert.notEqual(a.logTable, b.logTable);
  assert.notEqual(b.drainLock, c.drainLock);
  assert.deepEqual(Object.keys(a.triggers), ['insert', 'update', 'delete']);
  assert.match(a.triggers.update, /^cdc_au_users_/);
  assert.ok(migrationLockName('shop').length <= 64);
  assert.equal(sanitize('__A--b__', 10), 'a_b');
});

test('isCdcObject recognises only cdc tables', () => {
  for (const n of ['cdc_log_users_12345678', 'cdc_migrations', 'cdc_knex_migrations', 'cdc_knex_migrations_lock', 'cdc_checkpoints', 'cdc_captured_tables']) assert.ok(isCdcObject(n), n);
  for (const n of ['cdc', 'cdc_orders', 'users', 'cdc_migrations_old', 'knex_migrations']) assert.ok(!isCdcObject(n), n);
});

test('compressIds turns emitted ids into runs and never spans a gap', () => {
  const cases: [bigint[], [bigint, bigint][]][] = [
    [[], []],
    [[5n], [[5n, 5n]]],
    [[1n, 2n, 3n, 5n, 6n, 9n], [[1n, 3n], [5n, 6n], [9n, 9n]]],
    [[18446744073709551614n, 18446744073709551615n], [[18446744073709551614n, 18446744073709551615n]]],
  ];
  for (const [ids, runs] of cases) assert.deepEqual(compressIds(ids), runs);
  assert.throws(() => compressIds([2n, 1n]), /increase/);
  assert.throws(() => compressIds([2n, 2n]), /increase/);
  const token = ackToken([7n, 8n, 10n]);
  assert.equal(token.count, 3);
  assert.equal(token.lastId, 10n);
  assert.equal(changeIdOf('gen', 42n), 'gen:42');
});

test('the state database is cdc_<db>, never over 64 characters, never two databases in one', () => {
  assert.equal(stateDatabaseName('shop'), 'cdc_shop');
  const long = stateDatabaseName('x'.repeat(64));
  assert.ok(long.length <= 64, long);
  assert.match(long, /^cdc_x+_[0-9a-f]{8}$/);
  assert.notEqual(stateDatabaseName('a'.repeat(61) + 'b'), stateDatabaseName('a'.repeat(61) + 'c'));
});

test('MySQL URLs parse, and only their redacted form is ever shown', () => {
  assert.deepEqual(parseMysqlUrl('mysql://u:p%40ss@db.example:3307/shop'), {
    host: 'db.example',
    port: 3307,
    user: 'u',
    password: 'p@ss',
    database: 'shop',
    stateDatabase: 'cdc_shop',
    poolSize: 10,
  });
  assert.equal(parseMysqlUrl('mariadb://root@127.0.0.1/test').port, 3306);
  assert.equal(parseMysqlUrl('mysql://u@h/shop?cdcDatabase=capture').stateDatabase, 'capture');
  assert.throws(() => parseMysqlUrl('mysql://u@h/shop?cdcDatabase=shop'), /cdcDatabase must be 1 to 64 characters and differ from the captured database/);
  assert.equal(redactMysqlUrl('mysql://u:secret@h/db'), 'mysql://u:***@h/db');
  for (const bad of ['mysql://u:secret@h', 'mysql://u:secret@h/', 'postgres://u:secret@h/db', 'mysql://u:secret@h/db?poolSize=1', 'nonsense secret']) {
    assert.throws(
      () => parseMysqlUrl(bad),
      (err: Error) => !err.message.includes('secret') && /URL/.test(err.message),
      bad,
    );
  }
});

test('templates: placeholders must all be filled, and scripts split into statements', () => {
  assert.equal(renderSql('A {{x}} B {{y}}', { x: '1', y: '{{x}}' }), 'A 1 B {{x}}');
  assert.throws(() => renderSql('{{x}}', {}), /no value/);
  assert.throws(() => renderSql('x', { y: '1' }), /no placeholder/);
  assert.deepEqual(splitStatements('-- c;\nCREATE TABLE a (x INT);\n\nCREATE TABLE b (\n  y INT\n);\n'), [
    'CREATE TABLE a (x INT)',
    'CREATE TABLE b (\n  y INT\n)',
  ]);
});

test('needsSuper reads SHOW GRANTS conservatively', () => {
  const cases: [string[], boolean][] = [
    [["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"], false],
    [['GRANT SELECT, SUPER ON *.* TO `ops`@`%`'], false],
    [['GRANT USAGE ON *.* TO `app`@`%`', 'GRANT SELECT, TRIGGER ON `shop`.* TO `app`@`%`'], true],
    [['GRANT USAGE ON *.* TO `app`@`%`', 'GRANT ALL PRIVILEGES ON `shop`.* TO `app`@`%`'], true],
    [['GRANT USAGE ON *.* TO `app`@`%`', 'GRANT `dba` TO `app`@`%`'], false],
    [["GRANT USAGE ON *.* TO 'app'@'%'", "GRANT 'dba'@'%','x'@'%' TO 'app'@'%'"], false],
    [['GRANT PROXY ON ``@`%` TO `app`@`%`'], true],
  ];
  for (const [grants, expected] of cases) assert.equal(needsSuper(grants), expected, grants.join(' | '));
});
