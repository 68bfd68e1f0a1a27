import knex, { type Knex } from 'knex';
import type { Logger } from '../../src/core/logger.js';
import { assertKnownMigrations, type Migration } from '../../src/core/migrate.js';
import { unwrapDriverError } from './driver-error.js';

/** What migrations recorded before knex took over: the old table's versions, oldest first. */
export interface LegacyRecord {
  version: number;
  appliedAt: unknown;
}

export interface KnexMigrationTarget {
  /** A knex client class whose one connection is the session holding cdc's migration lock. */
  client: typeof Knex.Client;
  /** Schema (PostgreSQL) or database (MySQL) of knex's bookkeeping tables. */
  schemaName: string;
  /** knex's table of applied migrations; its lock table is this name + `_lock`. */
  tableName: string;
  /**
   * PostgreSQL has transactional DDL: the pending migrations and their records commit together or
   * not at all. MySQL commits DDL implicitly, so there is nothing a transaction could undo.
   */
  transactional: boolean;
  /** Runs one SQL file's text (PostgreSQL: as one script; MySQL: statement by statement). */
  runScript(db: Knex, sql: string): Promise<void>;
  /** The old bookkeeping table's records (releases before knex), or null when there is none. */
  legacyApplied(): Promise<LegacyRecord[] | null>;
  logger?: Logger | undefined;
}

/**
 * Applies the missing migrations with knex's migrator. The caller holds cdc's own database lock
 * (PostgreSQL advisory lock, MySQL GET_LOCK) for the whole call, on the session `target.client`
 * runs on. That lock, not knex's `knex_migrations_lock` row, is what makes two processes starting
 * at once both succeed: knex's lock fails at once with MigrationLocked instead of waiting, so the
 * second process would stop. Under our lock a set lock row can only be left over from a run that
 * died (MySQL has no transaction to undo it), so it is cleared before knex looks at it.
 */
export async function migrateWithKnex(target: KnexMigrationTarget, migrations: Migration[]): Promise<string[]> {
  const db = knex({
    client: target.client,
    connection: {},
    pool: { min: 0, max: 1 },
    log: knexLog(target.logger),
  });
  const config: Knex.MigratorConfig = {
    tableName: target.tableName,
    schemaName: target.schemaName,
    migrationSource: sqlMigrationSource(migrations, target.runScript),
    // Each migration then runs in knex's transaction for the whole batch (knex's default) on
    // PostgreSQL. Not one transaction per migration: knex records a migration that ran in a
    // transaction of its own only after that transaction committed (Migrator._waterfallBatch), so
    // a crash in between would run it a second time; in the batch transaction each migration
    // commits together with its record.
    disableTransactions: !target.transactional,
    // Checked below with cdc's own message.
    disableMigrationsListValidation: true,
  };
  try {
    const completed = await carryOver(db, config, target, migrations);
    assertKnownMigrations(completed, migrations);
    await db.migrate.forceFreeMigrationsLock(config);
    const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
    return applied;
  } catch (err) {
    throw unwrapDriverError(err);
  } finally {
    await db.destroy();
  }
}

/**
 * Creates knex's tables if missing (knex's `list` does) and, the first time, fills them from the
 * bookkeeping table of releases before knex, so nothing is applied again. One INSERT carries all
 * records, so a crash leaves either none (the next start carries them over again) or all of them.
 * Returns the applied migrations' names.
 */
async function carryOver(db: Knex, config: Knex.MigratorConfig, target: KnexMigrationTarget, migrations: Migration[]): Promise<string[]> {
  // Checked before knex creates anything: a database a newer cdc migrated is left as it is.
  const legacy = await target.legacyApplied();
  if (legacy) assertKnownMigrations(legacy.map((l) => l.version), migrations);
  const [completed] = (await db.migrate.list(config)) as [{ name: string }[], unknown[]];
  if (completed.length > 0) return completed.map((c) => c.name);
  if (!legacy || legacy.length === 0) return [];
  const rows = legacy.map((l) => ({
    name: migrations.find((m) => m.version === l.version)!.file,
    batch: 1,
    migration_time: l.appliedAt ?? new Date(),
  }));
  await db(target.tableName).withSchema(target.schemaName).insert(rows);
  target.logger?.info({ migrations: rows.map((r) => r.name) }, `carried cdc migration records over to ${target.tableName}`);
  return rows.map((r) => r.name);
}

/** Serves cdc's SQL files to knex's migrator, by file name. Forward-only: there is no `down`. */
function sqlMigrationSource(migrations: Migration[], runScript: KnexMigrationTarget['runScript']): Knex.MigrationSource<Migration> {
  return {
    getMigrations: async () => migrations,
    getMigrationName: (m) => m.file,
    getMigration: async (m) => ({
      up: (db: Knex) => runScript(db, m.sql),
      // knex requires a `down`; cdc's migrations are forward-only (STYLE rule 11).
      down: async () => {
        throw new Error(`cdc migrations are forward-only; ${m.file} cannot be undone`);
      },
    }),
  };
}

/**
 * knex's own log lines (e.g. "migration failed with error: …", with the SQL in it) go to debug:
 * the error itself reaches the caller, which logs or reports it once.
 */
function knexLog(logger: Logger | undefined): Knex.Config['log'] {
  const debug = (message: unknown) => logger?.debug({ knex: String(message) }, 'knex migrator');
  return { warn: debug, error: debug, deprecate: debug, debug };
}
