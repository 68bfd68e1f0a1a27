import type { Logger } from '../../src/core/logger.js';
import type { MigrationDriver } from '../../src/core/migrate.js';
import { TransientError } from '../../src/core/errors.js';
import { migrateWithKnex, type LegacyRecord } from '../knex/migrate.js';
import type { MysqlDriver, MysqlSession } from './driver.js';
import { migrationLockName, quoteIdent } from './identifiers.js';
import { mysqlKnexClient } from './knex-client.js';
import { splitStatements } from './sql-files.js';

/**
 * knex's table of applied migrations (and `_lock`) in the state database, named like every other
 * table cdc keeps in MySQL (cdc_*), so isCdcObject and the state-table move know them too.
 */
export const MIGRATIONS_TABLE = 'cdc_knex_migrations';

/** How long a second process waits for the first one's migrations before giving up. */
const LOCK_WAIT_SECONDS = 60;

/**
 * MySQL side of migrating: knex's migrator (adapters/knex/migrate.ts) with its tables in cdc's
 * state database, run on a dedicated connection holding GET_LOCK, named after the captured
 * database so two databases on one server migrate independently (and a second process waits
 * rather than failing on knex's lock row). No transactions: MySQL commits DDL implicitly, so
 * there is nothing one could roll back. Each statement of a migration is idempotent instead
 * (CREATE TABLE IF NOT EXISTS …) and knex records the migration after its last statement, so a
 * crash in between re-runs the whole migration harmlessly.
 */
export function mysqlMigrationDriver(driver: MysqlDriver, database: string, stateDatabase: string, logger?: Logger): MigrationDriver {
  const lockName = migrationLockName(database);
  return {
    async migrate(migrations) {
      const session = await driver.dedicated();
      try {
        const [row] = await session.rows<{ got: number | string | null }>('SELECT GET_LOCK(?, ?) AS got', [lockName, LOCK_WAIT_SECONDS]);
        if (Number(row?.got) !== 1) {
          throw new TransientError(`timed out after ${LOCK_WAIT_SECONDS}s waiting for another cdc process to finish migrating database ${database}`);
        }
        try {
          return await migrateWithKnex(
            {
              client: mysqlKnexClient(session),
              schemaName: stateDatabase,
              tableName: MIGRATIONS_TABLE,
              transactional: false,
              // mysql2 runs one statement per query (multipleStatements stays off).
              runScript: async (db, sql) => {
                for (const statement of splitStatements(sql)) await db.raw(statement);
              },
              legacyApplied: () => legacyRecords(session, stateDatabase),
              logger,
            },
            migrations,
          );
        } finally {
          if (!session.lost) await session.rows('SELECT RELEASE_LOCK(?) AS released', [lockName]);
        }
      } finally {
        await session.close();
      }
    },
  };
}

/** cdc_migrations: the bookkeeping table of releases before knex (version, applied_at); null when absent. */
async function legacyRecords(session: MysqlSession, stateDatabase: string): Promise<LegacyRecord[] | null> {
  const [exists] = await session.rows<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'cdc_migrations'`,
    [stateDatabase],
  );
  if (Number(exists?.n) === 0) return null;
  const rows = await session.rows<{ version: number | string; applied_at: unknown }>(
    `SELECT version, applied_at FROM ${quoteIdent(stateDatabase)}.cdc_migrations ORDER BY version`,
  );
  return rows.map((r) => ({ version: Number(r.version), appliedAt: r.applied_at }));
}
