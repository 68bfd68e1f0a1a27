import type { MigrationDriver } from '../../src/core/migrate.js';
import type { PgDriver, PgSession } from './driver.js';
import { advisoryKey } from './identifiers.js';
import { assertTrustedCdcSchema } from './trust.js';

/**
 * PostgreSQL side of the migration runner. The lock is a session-level advisory lock on a
 * dedicated connection (it needs no objects, so it also guards creating schema cdc: two concurrent
 * `CREATE SCHEMA IF NOT EXISTS` can still fail on the catalog's unique index). Each migration runs
 * with its version record in one transaction on that connection: PostgreSQL DDL is transactional.
 */
export function pgMigrationDriver(driver: PgDriver): MigrationDriver {
  let session: PgSession | null = null;
  const s = (): PgSession => {
    if (!session) throw new Error('migration lock not held');
    return session;
  };
  return {
    async lock() {
      session = await driver.dedicated();
      try {
        await session.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey('migrate')]);
        await assertTrustedCdcSchema(session);
        await session.exec(`
          CREATE SCHEMA IF NOT EXISTS cdc;
          CREATE TABLE IF NOT EXISTS cdc.migrations (
            version    integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
          );`);
      } catch (err) {
        await session.release();
        session = null;
        throw err;
      }
    },
    async unlock() {
      const held = s();
      session = null;
      try {
        if (!held.lost) await held.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryKey('migrate')]);
      } finally {
        await held.release();
      }
    },
    async appliedVersions() {
      const { rows } = await s().query<{ version: number }>('SELECT version FROM cdc.migrations ORDER BY version');
      return rows.map((r) => Number(r.version));
    },
    async peekApplied() {
      // The trust check comes first on this path too: a fully migrated schema is still used.
      await assertTrustedCdcSchema(driver);
      const { rows } = await driver.query<{ exists: boolean }>(`SELECT to_regclass('cdc.migrations') IS NOT NULL AS exists`);
      if (!rows[0]?.exists) return null;
      const applied = await driver.query<{ version: number }>('SELECT version FROM cdc.migrations ORDER BY version');
      return applied.rows.map((r) => Number(r.version));
    },
    async apply(version, sql) {
      const q = s();
      await q.exec('BEGIN');
      try {
        await q.exec(sql);
        await q.query('INSERT INTO cdc.migrations (version) VALUES ($1)', [version]);
        await q.exec('COMMIT');
      } catch (err) {
        await q.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    },
  };
}
