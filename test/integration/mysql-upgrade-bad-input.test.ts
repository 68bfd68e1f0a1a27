import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { openMysql, type MysqlSourceDatabase } from '../../adapters/mysql/index.js';
import { UserInputError } from '../../src/core/errors.js';
import { parseTableRef } from '../../src/core/table-ref.js';
import { createMysqlDatabase, MYSQL_ADMIN_URL, type TestDatabase } from '../helpers/dialects.js';
import { runCli } from '../helpers/cli.js';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';

/**
 * `cdc upgrade` refuses bad input with one line and changes nothing. Server settings (binlog off,
 * STATEMENT format) are global on the shared test server, so their check is unit-tested against a
 * fake settings reader (test/unit/mysql-binlog-settings.test.ts); here: privileges, through a
 * throwaway user, and the table-level refusals.
 */
describe('cdc upgrade: bad input (mysql)', () => {
  let db: TestDatabase;
  let cdc: MysqlSourceDatabase;
  const user = `cdc_np_${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const t = (name: string) => parseTableRef(name, db.name);

  /** Everything an upgrade could change: objects, the registry's modes, pending switches. */
  async function state(): Promise<unknown> {
    return {
      objects: await db.objects(),
      registry: await db.query(`SELECT table_name, mode, generation FROM \`${stateDatabaseName(db.name)}\`.cdc_captured_tables ORDER BY table_name`),
      switches: await db.query(`SELECT table_name, target, phase FROM \`${stateDatabaseName(db.name)}\`.cdc_mode_switches ORDER BY table_name`),
    };
  }

  async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
    await assert.rejects(promise, (err: Error) => {
      assert.ok(err instanceof UserInputError, `${err.name}: ${err.message}`);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    });
  }

  before(async () => {
    db = await createMysqlDatabase();
    cdc = await openMysql(db.url);
    for (const name of ['t', 'geo', 'busy']) {
      await db.exec(`CREATE TABLE ${name} (id int PRIMARY KEY, v varchar(20)${name === 'geo' ? ', g GEOMETRY' : ''})`);
      await cdc.install(t(name), {});
    }
    await db.exec('CREATE TABLE plain (id int PRIMARY KEY)');
    const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${db.name}\`.* TO ?@'%'`, [user]);
    // cdc's own state database (docs/security.md): everything cdc keeps lives there.
    await admin.query(`GRANT ALL PRIVILEGES ON \`${stateDatabaseName(db.name)}\`.* TO ?@'%'`, [user]);
    await admin.end();
  });
  after(async () => {
    const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
    await admin.query(`DROP USER IF EXISTS ?@'%'`, [user]);
    await admin.end();
    await cdc?.close();
    await db?.drop();
  });

  test('a user without REPLICATION SLAVE / CLIENT: one line naming the grants, nothing changed', async () => {
    const before = await state();
    const u = new URL(db.url);
    u.username = user;
    u.password = password;
    const out = await runCli(['upgrade', '--source', u.toString(), '--table', 't', '--to', 'binlog']);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /needs the REPLICATION SLAVE and BINLOG MONITOR privileges, and this user lacks REPLICATION SLAVE and REPLICATION CLIENT/);
    assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
    assert.ok(!out.stderr.includes(password), 'never print the password');
    assert.deepEqual(await state(), before);
  });

  test('unknown or uncaptured tables, modes MySQL does not have, tables the binlog cannot decode', async () => {
    const before = await state();
    await refused(cdc.upgrade(t('nope'), 'binlog'), /unknown table .*\.nope: no such table/);
    await refused(cdc.upgrade(t('plain'), 'binlog'), /plain is not set up for capture: run cdc install-triggers/);
    await refused(cdc.upgrade(t('t'), 'wal'), /between trigger and binlog capture; --to wal/);
    await refused(cdc.upgrade(t('geo'), 'binlog'), /column "g" .* is GEOMETRY/);
    assert.deepEqual(await state(), before);
  });

  test('a pending switch cannot be reversed, and a binlog table takes no triggers', async () => {
    // A change waiting in the log and no cdc run: the switch is only requested.
    await db.exec("INSERT INTO busy VALUES (1, 'waiting')");
    assert.equal((await cdc.upgrade(t('busy'), 'binlog')).state, 'requested');
    assert.equal((await cdc.upgrade(t('busy'), 'binlog')).state, 'requested', 'asking again is harmless');
    const before = await state();
    await refused(cdc.upgrade(t('busy'), 'trigger'), /busy is switching to binlog capture \(requested\); wait until cdc run/);
    assert.deepEqual(await state(), before);

    assert.deepEqual(await cdc.upgrade(t('t'), 'binlog'), { table: `${db.name}.t`, from: 'trigger', to: 'binlog', state: 'done' });
    assert.equal((await cdc.upgrade(t('t'), 'binlog')).state, 'done', 'already there');
    const out = await runCli(['install-triggers', '--source', db.url, '--table', 't']);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /t is captured from the binlog; use cdc upgrade --table .*t --to trigger/);
    assert.equal((await db.objects()).filter((o) => o.startsWith('trigger:cdc_') && o.includes('_t_')).length, 0, 'no triggers installed');
  });
});
