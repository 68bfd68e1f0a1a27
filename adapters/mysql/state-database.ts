import { TransientError } from '../../src/core/errors.js';
import type { MysqlDriver, MysqlSession } from './driver.js';
import { cdcObjectNames, migrationLockName, quoteIdent } from './identifiers.js';
import { lockedSession, releaseLockedSession } from './named-lock.js';

/** cdc's state tables (migrations/mysql): moved as they are from a database captured before. */
const STATE_TABLES = [
  'cdc_migrations',
  // knex's, from the release that moved migrations onto knex; that release already keeps them in
  // the state database, so they are here only for a state someone moved back by hand.
  'cdc_knex_migrations',
  'cdc_knex_migrations_lock',
  'cdc_captured_tables',
  'cdc_checkpoints',
  'cdc_mode_switches',
  'cdc_schema_versions',
  'cdc_snapshots',
  'cdc_snapshot_rows',
  'cdc_change_history',
  'cdc_history_settings',
];

const LOCK_WAIT_SECONDS = 60;

export interface StateLocation {
  /** The captured database named in the URL. */
  database: string;
  /** Where cdc's state and change logs live (identifiers.ts stateDatabaseName). */
  stateDatabase: string;
  canReplaceTrigger: boolean;
  ddlLockWaitSeconds: number;
}

/**
 * Creates cdc's state database if needed and makes it every connection's default database.
 * A database captured by an earlier version keeps its state and change logs next to the
 * application's tables, where any user granted `ON app.*` can forge or hide changes: those move
 * here, each change log together with its triggers, under the same lock as migrations.
 */
export async function ensureStateDatabase(driver: MysqlDriver, at: StateLocation): Promise<void> {
  if (driver.database === at.stateDatabase) return;
  const lock = migrationLockName(at.database);
  const session = await lockedSession(
    driver,
    lock,
    () => new TransientError(`timed out after ${LOCK_WAIT_SECONDS}s waiting for another cdc process to finish migrating database ${at.database}`),
    LOCK_WAIT_SECONDS,
  );
  try {
    await session.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(at.stateDatabase)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await moveEarlierLayout(session, at);
  } finally {
    await releaseLockedSession(session, lock);
  }
  await driver.useDatabase(at.stateDatabase);
}

/**
 * Change logs first, then the state tables, so that a crash part-way leaves the old registry in
 * place and the next start finishes the move (each step checks what is already done).
 */
async function moveEarlierLayout(session: MysqlSession, at: StateLocation): Promise<void> {
  const present = await session.rows<{ name: string }>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${STATE_TABLES.map(() => '?').join(', ')})`,
    [at.database, ...STATE_TABLES],
  );
  if (!present.some((t) => t.name === 'cdc_captured_tables')) return;
  const app = quoteIdent(at.database);
  const captured = await session.rows<{ db: string; relation: string; log_table: string }>(
    `SELECT db, relation, log_table FROM ${app}.cdc_captured_tables`,
  );
  await session.exec(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(at.ddlLockWaitSeconds))}`);
  for (const t of captured) await moveChangeLog(session, at, { schema: t.db, name: t.relation }, t.log_table);
  const moves = present.map((t) => `${app}.${quoteIdent(t.name)} TO ${quoteIdent(at.stateDatabase)}.${quoteIdent(t.name)}`);
  await session.exec(`RENAME TABLE ${moves.join(', ')}`);
}

/**
 * Moves one change log and points the table's triggers at it, with the table locked for writing:
 * no write can fire a trigger whose log is gone, and no change is written to the old place after
 * the move. The trigger bodies are kept as they are, except for the log's database.
 */
async function moveChangeLog(session: MysqlSession, at: StateLocation, table: { schema: string; name: string }, logTable: string): Promise<void> {
  const [exists] = await session.rows<{ n: number | string }>(
    'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [table.schema, logTable],
  );
  if (Number(exists?.n) === 0) return; // moved already, or a binlog-mode table without a log
  const names = Object.values(cdcObjectNames(table).triggers);
  const triggers = await session.rows<{ name: string; event: string; body: string }>(
    `SELECT TRIGGER_NAME AS name, EVENT_MANIPULATION AS event, ACTION_STATEMENT AS body FROM information_schema.TRIGGERS
      WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? AND TRIGGER_NAME IN (?, ?, ?)`,
    [table.schema, table.name, ...names],
  );
  const oldRef = `${quoteIdent(table.schema)}.${quoteIdent(logTable)}`;
  const newRef = `${quoteIdent(at.stateDatabase)}.${quoteIdent(logTable)}`;
  const tableRef = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  await session.exec(`LOCK TABLES ${tableRef} WRITE, ${oldRef} WRITE`);
  try {
    await session.exec(`ALTER TABLE ${oldRef} RENAME TO ${newRef}`);
    for (const t of triggers) {
      const body = String(t.body).replaceAll(oldRef, newRef);
      const create = (verb: string) =>
        `${verb} TRIGGER ${quoteIdent(table.schema)}.${quoteIdent(t.name)} AFTER ${t.event} ON ${tableRef} FOR EACH ROW\n${body}`;
      if (at.canReplaceTrigger) await session.exec(create('CREATE OR REPLACE'));
      else {
        await session.exec(`DROP TRIGGER IF EXISTS ${quoteIdent(table.schema)}.${quoteIdent(t.name)}`);
        await session.exec(create('CREATE'));
      }
    }
  } finally {
    await session.exec('UNLOCK TABLES');
  }
}
