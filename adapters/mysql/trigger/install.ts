import { randomUUID } from 'node:crypto';
import { UserInputError } from '../../../src/core/errors.js';
import type { InstallOptions, InstallResult } from '../../../src/core/source-database.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import type { MysqlDriver, MysqlQueryable, MysqlSession } from '../driver.js';
import { ddlError } from '../errors.js';
import { isCdcObject, quoteIdent, quoteTable } from '../identifiers.js';
import { columnsSignature, describeTable, type TableInfo } from '../introspect.js';
import { checkTriggerCreation } from '../privileges.js';
import { historyColumns, recordSchemaVersion } from '../schema-history.js';
import { getCaptured, saveCaptured, type CapturedTable } from '../state-store.js';
import { installDdl, type TriggerDdl } from './ddl.js';

export interface InstallContext {
  driver: MysqlDriver;
  /** MariaDB ≥ 10.1.4 replaces a trigger atomically; MySQL 8 has no CREATE OR REPLACE TRIGGER. */
  canReplaceTrigger: boolean;
  /**
   * lock_wait_timeout for the DDL session. CREATE TRIGGER needs the table's metadata lock; while it
   * waits behind a long transaction, every new query on the table queues behind it, so waiting
   * the default year would be an outage. Fail after a few seconds instead.
   */
  ddlLockWaitSeconds: number;
  /** cdc's state database, which holds the change logs (identifiers.ts stateDatabaseName). */
  stateDatabase: string;
}

/** Everything install() validates before its first DDL; changes nothing. */
export async function checkInstallable(ctx: InstallContext, table: TableRef, options: InstallOptions) {
  const info = await validTable(ctx.driver, table);
  const keyColumns = resolveKeyColumns(info, options.keyColumns);
  await checkTriggerCreation(ctx.driver, qualifiedName(table));
  return { info, keyColumns };
}

/**
 * Installs capture for one table: its change log, then its three triggers, then the registry row.
 * Everything is validated before the first DDL, so bad input changes nothing. DDL is not
 * transactional, so the order makes a half-done install safe to re-run, and a failure drops what
 * this call created. Re-running with nothing to do returns changed=false.
 */
export async function installTrigger(
  ctx: InstallContext,
  table: TableRef,
  options: InstallOptions,
  ensureMigrated: () => Promise<void>,
  /** Set by `cdc upgrade --to trigger`, the one caller that installs for a binlog-mode table. */
  switchingToTrigger = false,
): Promise<InstallResult> {
  const name = qualifiedName(table);
  const { info, keyColumns } = await checkInstallable(ctx, table, options);
  if (!switchingToTrigger) await refuseBinlogMode(ctx.driver, name);
  const ddl = installDdl(table, info.columns, ctx.stateDatabase, keyColumns);
  const signature = columnsSignature(info.columns);
  // Only now: even cdc's own state tables are not created for input that was going to fail.
  await ensureMigrated();

  const registry = await getCaptured(ctx.driver, name);
  const logExists = await tableExists(ctx.driver, ctx.stateDatabase, ddl.logTable);
  const current = await installedTriggerBodies(ctx.driver, table, ddl.triggers);
  const stale = ddl.triggers.filter((t) => current.get(t.name) !== t.body);
  const registryUpToDate =
    registry !== null &&
    registry.logTable === ddl.logTable &&
    registry.columnsSignature === signature &&
    JSON.stringify(registry.keyColumns) === JSON.stringify(keyColumns);
  if (registryUpToDate && logExists && stale.length === 0) return { table: name, changed: false, keyColumns };

  const created: Array<() => Promise<unknown>> = [];
  const session = await ctx.driver.dedicated();
  try {
    await session.exec(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(ctx.ddlLockWaitSeconds))}`);
    if (!logExists) {
      await session.exec(ddl.createLogTable);
      created.push(() => session.exec(`DROP TABLE IF EXISTS ${quoteIdent(ctx.stateDatabase)}.${quoteIdent(ddl.logTable)}`));
    }
    for (const trigger of stale) {
      if (!current.has(trigger.name)) {
        await session.exec(trigger.statement('CREATE'));
        created.push(() => session.exec(`DROP TRIGGER IF EXISTS ${quoteIdent(table.schema)}.${quoteIdent(trigger.name)}`));
      } else {
        await replaceTrigger(ctx, session, table, trigger);
      }
    }
    const next: Omit<CapturedTable, 'mode'> = {
      tableName: name,
      table,
      keyColumns,
      logTable: ddl.logTable,
      // A new log restarts its ids, so it gets a new generation (change ids are generation:id).
      generation: registry && logExists ? registry.generation : randomUUID(),
      schemaVersion: !registry ? 1 : registry.columnsSignature === signature ? registry.schemaVersion : registry.schemaVersion + 1,
      columnsSignature: signature,
    };
    // Registry row and its history row commit together (the DDL above has committed already).
    await session.exec('START TRANSACTION');
    try {
      await saveCaptured(session, next);
      await recordSchemaVersion(session, name, next.schemaVersion, historyColumns(info.columns));
      await session.exec('COMMIT');
    } catch (err) {
      if (!session.lost) await session.exec('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return { table: name, changed: true, keyColumns };
  } catch (err) {
    // Undo in reverse: triggers before the log table they write to.
    for (const undo of created.reverse()) await undo().catch(() => undefined);
    throw ddlError(err, name);
  } finally {
    await session.close();
  }
}

/**
 * Triggers on a binlog-mode table would fill a change log nobody reads; moving back is a switch
 * with a boundary, which only `cdc upgrade --to trigger` does.
 */
export async function refuseBinlogMode(q: MysqlQueryable, name: string): Promise<void> {
  const registry = await getCaptured(q, name);
  if (registry?.mode === 'binlog') {
    throw new UserInputError(`${name} is captured from the binlog; use cdc upgrade --table ${name} --to trigger to move it back to triggers`);
  }
}

/**
 * Regenerates a trigger whose body is outdated (the table's columns changed). MariaDB swaps it in
 * one statement. MySQL 8 needs DROP + CREATE; LOCK TABLES … WRITE around the pair keeps writers
 * out, so no change slips through between the two (writers wait a few milliseconds instead).
 */
async function replaceTrigger(ctx: InstallContext, session: MysqlSession, table: TableRef, trigger: TriggerDdl): Promise<void> {
  if (ctx.canReplaceTrigger) {
    await session.exec(trigger.statement('CREATE OR REPLACE'));
    return;
  }
  await session.exec(`LOCK TABLES ${quoteTable(table)} WRITE`);
  try {
    await session.exec(`DROP TRIGGER IF EXISTS ${quoteIdent(table.schema)}.${quoteIdent(trigger.name)}`);
    await session.exec(trigger.statement('CREATE'));
  } finally {
    await session.exec('UNLOCK TABLES');
  }
}

async function validTable(q: MysqlQueryable, table: TableRef): Promise<TableInfo> {
  const name = qualifiedName(table);
  if (isCdcObject(table.name)) throw new UserInputError(`${name} is one of cdc's own tables and cannot be captured`);
  const info = await describeTable(q, table);
  if (!info) throw new UserInputError(`unknown table ${name}: no such table in database ${table.schema}`);
  if (info.tableType !== 'BASE TABLE' && info.tableType !== 'SYSTEM VERSIONED') {
    throw new UserInputError(`${name} is a ${info.tableType.toLowerCase()}; triggers can only capture base tables`);
  }
  return info;
}

/** The key: --key-columns when given (each must exist), else the primary key. */
export function resolveKeyColumns(info: TableInfo, requested: string[] | undefined): string[] {
  const name = qualifiedName(info.table);
  if (!requested || requested.length === 0) {
    if (info.primaryKey.length > 0) return info.primaryKey;
    throw new UserInputError(`table ${name} has no primary key; pass --key-columns with the columns that identify a row`);
  }
  const out: string[] = [];
  for (const want of requested) {
    // Column names are case-insensitive in MySQL; the key uses the table's own spelling.
    const exact = info.columns.find((c) => c.name === want);
    const folded = info.columns.filter((c) => c.name.toLowerCase() === want.toLowerCase());
    const col = exact ?? (folded.length === 1 ? folded[0] : undefined);
    if (!col) {
      throw new UserInputError(
        `--key-columns: table ${name} has no column ${JSON.stringify(want)} (columns: ${info.columns.map((c) => c.name).join(', ')})`,
      );
    }
    if (out.includes(col.name)) throw new UserInputError(`--key-columns: column ${JSON.stringify(col.name)} is listed twice`);
    out.push(col.name);
  }
  return out;
}

export async function tableExists(q: MysqlQueryable, schema: string, name: string): Promise<boolean> {
  const rows = await q.rows('SELECT 1 AS x FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [schema, name]);
  return rows.length > 0;
}

/** ACTION_STATEMENT of those of `triggers` that exist on `table`, by trigger name. */
export async function installedTriggerBodies(q: MysqlQueryable, table: TableRef, triggers: readonly TriggerDdl[]): Promise<Map<string, string>> {
  const rows = await q.rows<{ name: string; body: string }>(
    `SELECT TRIGGER_NAME AS name, ACTION_STATEMENT AS body FROM information_schema.TRIGGERS
      WHERE TRIGGER_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? AND TRIGGER_NAME IN (?, ?, ?)`,
    [table.schema, table.name, ...triggers.map((t) => t.name)],
  );
  return new Map(rows.map((r) => [r.name, String(r.body).trim()]));
}
