import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openMysql } from '../../adapters/mysql/index.js';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import { MIGRATIONS_DIR, splitStatements } from '../../adapters/mysql/sql-files.js';
import { loadMigrations, type Migration } from '../../src/core/migrate.js';
import { createTestDatabase, recordingLogger, type MysqlTestDatabase } from '../helpers/mysql.js';

/**
 * Upgrade in place on MariaDB: a database migrated by the release before knex (bookkeeping in
 * <state database>.cdc_migrations) is taken over by knex's migrator without running anything
 * again, and capture goes on.
 */

/** The previous release's runner, as it ran: state database, cdc_migrations, statement by statement. */
async function migrateAsPreviousRelease(db: MysqlTestDatabase, migrations: Migration[]): Promise<void> {
  const c = await db.connection();
  try {
    await c.query(`CREATE DATABASE IF NOT EXISTS ${db.state} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await c.query(`USE ${db.state}`);
    await c.query(`CREATE TABLE IF NOT EXISTS cdc_migrations (
       version    INT UNSIGNED NOT NULL PRIMARY KEY,
       applied_at DATETIME(6) NOT NULL
     ) ENGINE=InnoDB`);
    for (const m of migrations) {
      for (const statement of splitStatements(m.sql)) await c.query(statement);
      await c.query('INSERT INTO cdc_migrations (version, applied_at) VALUES (?, UTC_TIMESTAMP(6))', [m.version]);
    }
  } finally {
    await c.end();
  }
}

describe('mysql: migrations of the previous release carried over to knex', () => {
  const dbs: MysqlTestDatabase[] = [];
  const fresh = async () => {
    const d = await createTestDatabase();
    dbs.push(d);
    return d;
  };
  after(async () => {
    await Promise.allSettled(dbs.map((d) => d.drop()));
  });

  it('records the applied versions under their file names once, applies nothing again, and capture works', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    const db = await fresh();
    await migrateAsPreviousRelease(db, migrations);
    await db.exec(`UPDATE ${db.state}.cdc_migrations SET applied_at = '2020-01-02 03:04:05'`); // installed long ago
    // Two processes of the new release start at once: both succeed, the records move over once.
    const [a, b] = await Promise.all([openMysql(db.url), openMysql(db.url)]);
    try {
      await Promise.all([a.migrate(), b.migrate()]);
      const rows = await db.query<{ name: string; batch: number; at: string }>(
        `SELECT name, batch, CAST(migration_time AS CHAR) AS at FROM ${db.state}.cdc_knex_migrations ORDER BY id`,
      );
      assert.deepEqual(rows.map((r) => r.name), migrations.map((m) => m.file));
      // Carried over, not run again (the statements are idempotent, so only the records can tell):
      // a run now would be recorded with the time of this run.
      assert.deepEqual(rows.map((r) => [Number(r.batch), r.at]), migrations.map(() => [1, '2020-01-02 03:04:05']));
      const [lock] = await db.query<{ is_locked: number }>(`SELECT is_locked FROM ${db.state}.cdc_knex_migrations_lock`);
      assert.equal(Number(lock!.is_locked), 0);

      await db.exec('CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(8,2))');
      const ref = { schema: db.name, name: 'orders' };
      assert.equal((await a.install(ref, {})).changed, true);
      await db.exec('INSERT INTO orders VALUES (1, 9.50)');
      await db.exec('UPDATE orders SET total = 10 WHERE id = 1');
      const src = a.openSource(ref, { logger: recordingLogger() });
      await src.open();
      try {
        const batch = await src.read(10);
        assert.deepEqual(batch.changes.map((ch) => [ch.operation, ch.after?.total]), [['INSERT', '9.50'], ['UPDATE', '10.00']]);
        await src.ack(batch.ack);
      } finally {
        await src.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('applies only what the previous release had not, and clears a lock row a crashed run left', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    const db = await fresh();
    await migrateAsPreviousRelease(db, migrations.slice(0, 4));
    const first = await openMysql(db.url);
    try {
      await first.migrate();
    } finally {
      await first.close();
    }
    const rows = await db.query<{ name: string; batch: number }>(`SELECT name, batch FROM ${db.state}.cdc_knex_migrations ORDER BY id`);
    assert.deepEqual(rows.map((r) => [r.name, Number(r.batch)]), migrations.map((m, i) => [m.file, i < 4 ? 1 : 2]));
    const [made] = await db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'cdc_snapshot_rows'`,
      [stateDatabaseName(db.name)],
    );
    assert.equal(Number(made!.n), 1, 'migration 006 ran');

    // MySQL has no transaction around knex's lock row: a run that died leaves it set. Under cdc's
    // GET_LOCK no other run can hold it, so the next start goes ahead.
    await db.exec(`DELETE FROM ${db.state}.cdc_knex_migrations WHERE name = ?`, [migrations.at(-1)!.file]);
    await db.exec(`UPDATE ${db.state}.cdc_knex_migrations_lock SET is_locked = 1`);
    const second = await openMysql(db.url);
    try {
      await second.migrate();
    } finally {
      await second.close();
    }
    const after = await db.query<{ name: string }>(`SELECT name FROM ${db.state}.cdc_knex_migrations ORDER BY id`);
    assert.deepEqual(after.map((r) => r.name), migrations.map((m) => m.file));
  });

  it('stops with one line on a database a newer cdc migrated, and knex creates nothing', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    const db = await fresh();
    await migrateAsPreviousRelease(db, migrations);
    await db.exec(`INSERT INTO ${db.state}.cdc_migrations (version, applied_at) VALUES (99, UTC_TIMESTAMP(6))`);
    const before = await db.objects();
    const cdc = await openMysql(db.url);
    try {
      await assert.rejects(cdc.migrate(), /^Error: the database has cdc migration\(s\) 99 that this version of cdc does not know; upgrade cdc$/);
    } finally {
      await cdc.close();
    }
    assert.deepEqual(await db.objects(), before);
    assert.ok(!before.some((o) => /knex/.test(o)), before.join(', '));
  });
});
