import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { openPostgres } from '../../adapters/postgres/index.js';
import { MIGRATIONS_DIR } from '../../adapters/postgres/sql-files.js';
import { loadMigrations, type Migration } from '../../src/core/migrate.js';
import { createTestDatabase, testLogger, type TestDatabase } from '../helpers/postgres.js';

/**
 * Upgrade in place: a database migrated by the release before knex (bookkeeping in cdc.migrations)
 * is taken over by knex's migrator without running anything again, and capture goes on.
 */

/** The previous release's runner, as it ran: cdc.migrations, each migration with its record in one transaction. */
async function migrateAsPreviousRelease(c: pg.Client, migrations: Migration[]): Promise<void> {
  await c.query(`CREATE SCHEMA IF NOT EXISTS cdc;
    CREATE TABLE IF NOT EXISTS cdc.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const m of migrations) {
    await c.query('BEGIN');
    await c.query(m.sql);
    await c.query('INSERT INTO cdc.migrations (version) VALUES ($1)', [m.version]);
    await c.query('COMMIT');
  }
}

const T = (name: string) => ({ schema: 'public', name });

describe('postgres: migrations of the previous release carried over to knex', () => {
  let migrations: Migration[];
  const dbs: TestDatabase[] = [];
  const fresh = async () => {
    const d = await createTestDatabase();
    dbs.push(d);
    return d;
  };

  before(async () => {
    migrations = await loadMigrations(MIGRATIONS_DIR);
  });
  after(async () => {
    await Promise.allSettled(dbs.map((d) => d.drop()));
  });

  it('records the applied versions under their file names once, applies nothing again, and capture works', async () => {
    const tdb = await fresh();
    const c = await tdb.client();
    await migrateAsPreviousRelease(c, migrations);
    const old = (await c.query('SELECT version, applied_at FROM cdc.migrations ORDER BY version')).rows;
    // Two processes of the new release start at once: both succeed, the records move over once.
    const infos: string[] = [];
    const logger = { ...testLogger(), info: (_: object, msg?: string) => void infos.push(msg ?? '') };
    logger.child = () => logger;
    const [a, b] = await Promise.all([openPostgres(tdb.url, { logger }), openPostgres(tdb.url, { logger })]);
    try {
      await Promise.all([a.migrate(), b.migrate()]);
      const rows = (await c.query('SELECT name, batch, migration_time FROM cdc.knex_migrations ORDER BY id')).rows;
      assert.deepEqual(rows.map((r) => r.name), migrations.map((m) => m.file));
      // Carried over, not run: the previous release's timestamps, one batch, no "applied" log line.
      assert.deepEqual(rows.map((r) => r.batch), migrations.map(() => 1));
      assert.deepEqual(rows.map((r) => (r.migration_time as Date).toISOString()), old.map((r) => (r.applied_at as Date).toISOString()));
      assert.equal(infos.filter((m) => m === 'applied cdc migration').length, 0, infos.join(', '));
      assert.equal(infos.filter((m) => /carried cdc migration records/.test(m)).length, 1, infos.join(', '));
      assert.equal((await c.query('SELECT is_locked FROM cdc.knex_migrations_lock')).rows[0].is_locked, 0);

      await c.query('CREATE TABLE orders (id int PRIMARY KEY, total numeric)');
      assert.equal((await a.install(T('orders'), {})).changed, true);
      await c.query('INSERT INTO orders VALUES (1, 9.5); UPDATE orders SET total = 10 WHERE id = 1');
      const src = a.openSource(T('orders'), { logger: testLogger() });
      await src.open();
      try {
        const batch = await src.read(10);
        assert.deepEqual(batch.changes.map((ch) => [ch.operation, ch.after?.total]), [['INSERT', '9.5'], ['UPDATE', '10']]);
        await src.ack(batch.ack);
      } finally {
        await src.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('applies only what the previous release had not, and records it with knex', async () => {
    const tdb = await fresh();
    const c = await tdb.client();
    await migrateAsPreviousRelease(c, migrations.slice(0, 3));
    const cdc = await openPostgres(tdb.url);
    try {
      await cdc.migrate();
    } finally {
      await cdc.close();
    }
    const rows = (await c.query('SELECT name, batch FROM cdc.knex_migrations ORDER BY id')).rows;
    assert.deepEqual(rows.map((r) => [r.name, r.batch]), migrations.map((m, i) => [m.file, i < 3 ? 1 : 2]));
    assert.equal((await c.query(`SELECT to_regclass('cdc.snapshots') IS NOT NULL AS made`)).rows[0].made, true, 'migration 004 ran');
  });

  it('a monitoring role reads an upgraded database once the owning role has run this release', async () => {
    const tdb = await fresh();
    const c = await tdb.client();
    await migrateAsPreviousRelease(c, migrations);
    const monitor = `cdc_mig_monitor_${randomBytes(4).toString('hex')}`;
    await c.query(`CREATE ROLE ${monitor} LOGIN; GRANT USAGE ON SCHEMA cdc TO ${monitor}`);
    try {
      await c.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA cdc GRANT SELECT ON TABLES TO ${monitor}; GRANT SELECT ON ALL TABLES IN SCHEMA cdc TO ${monitor}`);
      const url = new URL(tdb.url);
      url.username = monitor;
      // Before the first run of this release: nothing recorded where knex looks, and no right to create it.
      const early = await openPostgres(url.toString());
      try {
        await assert.rejects(early.migrate(), /permission denied/);
      } finally {
        await early.close();
      }
      const owner = await openPostgres(tdb.url);
      try {
        await owner.migrate();
      } finally {
        await owner.close();
      }
      const later = await openPostgres(url.toString());
      try {
        await later.migrate();
        assert.deepEqual(await later.status(), []);
      } finally {
        await later.close();
      }
    } finally {
      await c.query(`DROP OWNED BY ${monitor}; DROP ROLE ${monitor}`);
    }
  });

  it('stops with one line on a database a newer cdc migrated, before or after knex, and changes nothing', async () => {
    const older = await fresh();
    const c1 = await older.client();
    await migrateAsPreviousRelease(c1, migrations);
    await c1.query('INSERT INTO cdc.migrations (version) VALUES (99)');
    const cdc1 = await openPostgres(older.url);
    try {
      await assert.rejects(cdc1.migrate(), /^Error: the database has cdc migration\(s\) 99 that this version of cdc does not know; upgrade cdc$/);
    } finally {
      await cdc1.close();
    }
    assert.equal((await c1.query(`SELECT to_regclass('cdc.knex_migrations') IS NULL AS none`)).rows[0].none, true, 'knex created nothing');

    const newer = await fresh();
    const c2 = await newer.client();
    const cdc2 = await openPostgres(newer.url);
    try {
      await cdc2.migrate();
      await c2.query(`INSERT INTO cdc.knex_migrations (name, batch, migration_time) VALUES ('099_future.sql', 2, now())`);
      const reopened = await openPostgres(newer.url);
      try {
        await assert.rejects(reopened.migrate(), /the database has cdc migration\(s\) 99 that this version of cdc does not know; upgrade cdc$/);
      } finally {
        await reopened.close();
      }
    } finally {
      await cdc2.close();
    }
  });
});
