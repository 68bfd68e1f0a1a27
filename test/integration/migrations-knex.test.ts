import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectPool } from '../../adapters/postgres/connect.js';
import type { PgDriver } from '../../adapters/postgres/driver.js';
import { pgMigrationDriver } from '../../adapters/postgres/migrations.js';
import { MIGRATIONS_DIR as PG_MIGRATIONS } from '../../adapters/postgres/sql-files.js';
import { openMysql } from '../../adapters/mysql/index.js';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import { mysqlMigrationDriver } from '../../adapters/mysql/migrations.js';
import { MIGRATIONS_DIR as MYSQL_MIGRATIONS } from '../../adapters/mysql/sql-files.js';
import { loadMigrations, type Migration } from '../../src/core/migrate.js';
import { createTestDatabase as createPg, type TestDatabase } from '../helpers/postgres.js';
import { createTestDatabase as createMysql, type MysqlTestDatabase } from '../helpers/mysql.js';

/** How cdc's SQL files go through knex's migrator: as written, and failing with the driver's own error. */

const extra = (version: number, sql: string): Migration => ({ version, name: `t${version}`, file: `${version}_t${version}.sql`, sql });

describe('postgres: migration files through knex', () => {
  let tdb: TestDatabase;
  let driver: PgDriver;
  let base: Migration[];

  before(async () => {
    tdb = await createPg();
    driver = (await connectPool(tdb.url)).driver;
    base = await loadMigrations(PG_MIGRATIONS);
  });
  after(async () => {
    await driver?.end();
    await tdb?.drop();
  });

  it('runs a file as one script, with its question marks as written', async () => {
    const marks = extra(900, `CREATE TABLE cdc.marks AS SELECT '{"a":1}'::jsonb ? 'a' AS has, '?' AS mark;\nINSERT INTO cdc.marks VALUES (false, '??');`);
    assert.deepEqual(await pgMigrationDriver(driver).migrate([...base, marks]), [...base.map((m) => m.file), marks.file]);
    const { rows } = await driver.query<{ has: boolean; mark: string }>('SELECT has, mark FROM cdc.marks ORDER BY mark');
    assert.deepEqual(rows, [{ has: true, mark: '?' }, { has: false, mark: '??' }]);
  });

  it('a failing file changes nothing, records nothing, and fails with the database error as the driver gave it', async () => {
    const applied = (await driver.query<{ n: number }>('SELECT count(*)::int AS n FROM cdc.knex_migrations')).rows[0]!.n;
    const good = extra(901, 'CREATE TABLE cdc.made_before_the_failure (id int);');
    const bad = extra(902, 'CREATE TABLE cdc.half (id int);\nSELECT no_such_column FROM cdc.half;');
    const marks = extra(900, '-- applied above');
    await assert.rejects(pgMigrationDriver(driver).migrate([...base, marks, good, bad]), (err: Error & { code?: string }) => {
      assert.equal(err.code, '42703');
      assert.equal(err.message, 'column "no_such_column" does not exist');
      return true;
    });
    const { rows } = await driver.query<{ made: boolean; half: boolean }>(
      `SELECT to_regclass('cdc.made_before_the_failure') IS NOT NULL AS made, to_regclass('cdc.half') IS NOT NULL AS half`,
    );
    // One transaction for the pending batch: the migration before the failing one is undone too.
    assert.deepEqual(rows[0], { made: false, half: false });
    assert.equal((await driver.query<{ n: number }>('SELECT count(*)::int AS n FROM cdc.knex_migrations')).rows[0]!.n, applied);
    assert.equal((await driver.query<{ l: number }>('SELECT is_locked AS l FROM cdc.knex_migrations_lock')).rows[0]!.l, 0);
  });
});

describe('mysql: migration files through knex', () => {
  let db: MysqlTestDatabase;
  let base: Migration[];

  before(async () => {
    db = await createMysql();
    base = await loadMigrations(MYSQL_MIGRATIONS);
    const cdc = await openMysql(db.url);
    try {
      await cdc.migrate();
    } finally {
      await cdc.close();
    }
  });
  after(async () => {
    await db?.drop();
  });

  it('runs a file statement by statement, with its question marks as written, and fails with the driver error', async () => {
    const state = stateDatabaseName(db.name);
    const migrate = (ms: Migration[]) => mysqlMigrationDriver(db.driver, db.name, state).migrate(ms);
    const marks = extra(900, `CREATE TABLE IF NOT EXISTS ${db.state}.marks (mark VARCHAR(4));\nINSERT INTO ${db.state}.marks VALUES ('?'), ('??');`);
    assert.deepEqual(await migrate([...base, marks]), [marks.file]);
    assert.deepEqual(await db.query(`SELECT mark FROM ${db.state}.marks ORDER BY mark`), [{ mark: '?' }, { mark: '??' }]);

    const bad = extra(901, `SELECT no_such_column FROM ${db.state}.marks;`);
    await assert.rejects(migrate([...base, marks, bad]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ER_BAD_FIELD_ERROR');
      assert.match(err.message, /^Unknown column 'no_such_column' in '(field list|SELECT)'$/);
      return true;
    });
    const names = await db.query<{ name: string }>(`SELECT name FROM ${db.state}.cdc_knex_migrations ORDER BY id`);
    assert.deepEqual(names.map((r) => r.name), [...base.map((m) => m.file), marks.file]);
    const [lock] = await db.query<{ l: number }>(`SELECT is_locked AS l FROM ${db.state}.cdc_knex_migrations_lock`);
    assert.equal(Number(lock!.l), 0);
  });
});
