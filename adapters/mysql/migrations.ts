import type { MigrationDriver } from '../../src/core/migrate.js';
import { TransientError } from '../../src/core/errors.js';
import type { MysqlDriver, MysqlSession } from './driver.js';
import { migrationLockName } from './identifiers.js';
import { splitStatements } from './sql-files.js';

/** How long a second process waits for the first one's migrations before giving up. */
const LOCK_WAIT_SECONDS = 60;

/**
 * MySQL side of the migration runner (src/core/migrate.ts). The lock is GET_LOCK on a dedicated
 * connection, named after the database so two databases on one server migrate independently.
 * MySQL DDL commits implicitly, so `apply` cannot be atomic: each statement is idempotent
 * (CREATE TABLE IF NOT EXISTS) and the version is recorded after the last one, so a crash in
 * between re-runs the whole migration harmlessly.
 */
export function mysqlMigrationDriver(driver: MysqlDriver, database: string): MigrationDriver {
  let session: MysqlSession | null = null;
  const s = (): MysqlSession => {
    if (!session) throw new Error('migration lock not held');
    return session;
  };
  const lockName = migrationLockName(database);
  return {
    async lock() {
      session = await driver.dedicated();
      try {
        const [row] = await session.rows<{ got: number | string | null }>('SELECT GET_LOCK(?, ?) AS got', [lockName, LOCK_WAIT_SECONDS]);
        if (Number(row?.got) !== 1) {
          throw new TransientError(`timed out after ${LOCK_WAIT_SECONDS}s waiting for another cdc process to finish migrating database ${database}`);
        }
        await session.exec(
          `CREATE TABLE IF NOT EXISTS cdc_migrations (
             version    INT UNSIGNED NOT NULL PRIMARY KEY,
             applied_at DATETIME(6) NOT NULL
           ) ENGINE=InnoDB`,
        );
      } catch (err) {
        await session.close();
        session = null;
        throw err;
      }
    },
    async unlock() {
      const held = s();
      session = null;
      try {
        if (!held.lost) await held.rows('SELECT RELEASE_LOCK(?) AS released', [lockName]);
      } finally {
        await held.close();
      }
    },
    async appliedVersions() {
      const rows = await s().rows<{ version: number | string }>('SELECT version FROM cdc_migrations ORDER BY version');
      return rows.map((r) => Number(r.version));
    },
    async apply(version, sql) {
      const q = s();
      for (const statement of splitStatements(sql)) await q.exec(statement);
      await q.exec('INSERT INTO cdc_migrations (version, applied_at) VALUES (?, UTC_TIMESTAMP(6))', [version]);
    },
  };
}
