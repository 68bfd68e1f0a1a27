import type { Logger } from '../../src/core/logger.js';
import type { MigrationDriver } from '../../src/core/migrate.js';
import { migrateWithKnex, type LegacyRecord } from '../knex/migrate.js';
import type { PgDriver, PgQueryable } from './driver.js';
import { advisoryKey } from './identifiers.js';
import { pgKnexClient } from './knex-client.js';
import { assertTrustedCdcSchema } from './trust.js';

/** knex's table of applied migrations (and `_lock`), in schema cdc. */
const MIGRATIONS_TABLE = 'knex_migrations';

/**
 * PostgreSQL side of migrating: knex's migrator (adapters/knex/migrate.ts) with its tables in
 * schema cdc, run on a dedicated connection that holds a session-level advisory lock. The lock
 * needs no objects, so it also guards creating schema cdc (two concurrent `CREATE SCHEMA IF NOT
 * EXISTS` can still fail on the catalog's unique index), and a second process waits for it rather
 * than failing on knex's lock row. Schema cdc is checked for objects an untrusted role could have
 * planted before anything runs in it, under the lock and on the lock-free read path alike.
 */
export function pgMigrationDriver(driver: PgDriver, logger?: Logger): MigrationDriver {
  return {
    async peekApplied() {
      // The trust check comes first on this path too: a fully migrated schema is still used.
      await assertTrustedCdcSchema(driver);
      const { rows } = await driver.query<{ exists: boolean }>(`SELECT to_regclass('cdc.${MIGRATIONS_TABLE}') IS NOT NULL AS exists`);
      // Absent also in a database only the release before knex migrated: the locked path carries
      // its records over on this version's first run.
      if (!rows[0]?.exists) return null;
      const applied = await driver.query<{ name: string }>(`SELECT name FROM cdc.${MIGRATIONS_TABLE} ORDER BY id`);
      return applied.rows.map((r) => r.name);
    },
    async migrate(migrations) {
      const session = await driver.dedicated();
      try {
        await session.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey('migrate')]);
        try {
          await assertTrustedCdcSchema(session);
          await session.exec('CREATE SCHEMA IF NOT EXISTS cdc');
          return await migrateWithKnex(
            {
              client: pgKnexClient(session),
              schemaName: 'cdc',
              tableName: MIGRATIONS_TABLE,
              transactional: true,
              runScript: async (db, sql) => void (await db.raw(sql)),
              legacyApplied: () => legacyRecords(session),
              logger,
            },
            migrations,
          );
        } finally {
          if (!session.lost) await session.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryKey('migrate')]);
        }
      } finally {
        await session.release();
      }
    },
  };
}

/** cdc.migrations: the bookkeeping table of releases before knex (version, applied_at); null when absent. */
async function legacyRecords(q: PgQueryable): Promise<LegacyRecord[] | null> {
  const { rows: table } = await q.query<{ exists: boolean }>(`SELECT to_regclass('cdc.migrations') IS NOT NULL AS exists`);
  if (!table[0]?.exists) return null;
  const { rows } = await q.query<{ version: number; applied_at: unknown }>('SELECT version, applied_at FROM cdc.migrations ORDER BY version');
  return rows.map((r) => ({ version: Number(r.version), appliedAt: r.applied_at }));
}
