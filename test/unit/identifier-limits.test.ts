import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkTableName as checkPg, logTableName, quoteIdent, triggerFunctionName } from '../../adapters/postgres/identifiers.js';
import { walObjectName } from '../../adapters/postgres/wal/names.js';
import { cdcObjectNames, checkTableName as checkMysql } from '../../adapters/mysql/identifiers.js';
import { topicName } from '../../src/core/topic-name.js';
import { checkProperty, identifier } from '../helpers/properties.js';

/**
 * Issue 11 item 5: a 64-byte PostgreSQL name (the server truncates at 63) was registered under
 * a name that does not exist; derived names must never truncate or collide.
 */
test('PostgreSQL: names over 63 bytes are refused in one line; 63 bytes pass', () => {
  const at = 'a'.repeat(63);
  assert.doesNotThrow(() => checkPg({ schema: 'public', name: at }));
  assert.doesNotThrow(() => checkPg({ schema: 'public', name: 'é'.repeat(31) + 'x' }));
  for (const name of ['a'.repeat(64), 'é'.repeat(32)]) {
    assert.throws(() => checkPg({ schema: 'public', name }), (e: Error) => e.name === 'UserInputError' && /is 64 bytes; PostgreSQL names are at most 63 bytes/.test(e.message) && !e.message.includes('\n'));
    assert.throws(() => quoteIdent(name), /at most 63 bytes/);
  }
  assert.throws(() => checkPg({ schema: 's'.repeat(64), name: 't' }), /schema name/);
});

test('MySQL: names over 64 characters are refused in one line; 64 pass', () => {
  assert.doesNotThrow(() => checkMysql({ schema: 'db', name: 'é'.repeat(64) }));
  assert.throws(() => checkMysql({ schema: 'db', name: 'a'.repeat(65) }), /is 65 characters; MySQL and MariaDB names are at most 64/);
  assert.throws(() => checkMysql({ schema: 'db', name: 'trailing ' }), /ends with a space/);
});

test('derived PostgreSQL names fit 63 bytes, stay plain, and differ for different tables', async () => {
  await checkProperty(
    fc.property(identifier('postgres'), identifier('postgres'), identifier('postgres'), (schema, a, b) => {
      const ta = { schema, name: a };
      const tb = { schema, name: b };
      for (const n of [logTableName(ta), triggerFunctionName(ta), walObjectName('db', ta)]) {
        assert.ok(Buffer.byteLength(n) <= 63, n);
        assert.match(n, /^[a-z0-9_]+$/);
      }
      if (a !== b) {
        assert.notEqual(logTableName(ta), logTableName(tb));
        assert.notEqual(triggerFunctionName(ta), triggerFunctionName(tb));
        assert.notEqual(walObjectName('db', ta), walObjectName('db', tb));
      }
      assert.notEqual(walObjectName('db1', ta), walObjectName('db2', ta), 'slots are cluster-wide');
    }),
    300,
  );
});

test('derived MySQL names fit 64 characters and differ for different tables', async () => {
  await checkProperty(
    fc.property(identifier('mysql'), identifier('mysql'), (a, b) => {
      const na = cdcObjectNames({ schema: 'db', name: a });
      const all = [na.logTable, na.triggers.insert, na.triggers.update, na.triggers.delete, na.drainLock, na.snapshotLock];
      for (const n of all) {
        assert.ok(n.length <= 64, n);
        assert.match(n, /^[a-z0-9_]+$/);
      }
      assert.equal(new Set(all).size, all.length);
      if (a !== b) assert.notEqual(cdcObjectNames({ schema: 'db', name: b }).logTable, na.logTable);
    }),
    300,
  );
});

test('topic names are legal and at most 249 characters for any table name', async () => {
  await checkProperty(
    fc.property(identifier('postgres'), identifier('postgres'), (schema, name) => {
      const t = topicName('cdc.{source_id}.{table}', 'src', `${schema}.${name}`);
      assert.match(t, /^[a-zA-Z0-9._-]{1,249}$/);
    }),
    200,
  );
});
