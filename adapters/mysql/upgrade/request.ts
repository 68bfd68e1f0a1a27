import type { CaptureMode } from '../../../src/core/change-event.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { UpgradeResult } from '../../../src/core/source-database.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import { checkBinlogSettings, checkBinlogTable, readBinlogSettings } from '../binlog/settings.js';
import { DrainLock } from '../binlog/drain-lock.js';
import { cdcObjectNames, quoteIdent } from '../identifiers.js';
import { describeTable } from '../introspect.js';
import { getCaptured, type CapturedTable } from '../state-store.js';
import { TableBusyError } from '../errors.js';
import { checkInstallable, installTrigger, type InstallContext } from '../trigger/install.js';
import { openSnapshotAt, type SnapshotStrategy } from './snapshot.js';
import { advanceSwitch, deleteSwitch, getSwitch, insertSwitch } from './switch-store.js';
import { cleanupAfterBinlog, commitToBinlog } from './to-binlog.js';

export interface UpgradeContext extends InstallContext {
  mariadb: boolean;
  strategy: SnapshotStrategy;
  ensureMigrated(): Promise<void>;
}

/**
 * `cdc upgrade --table t --to binlog|trigger` (docs/mysql-binlog.md, "Switching modes").
 * Everything is validated before the first write, so bad input changes nothing. The switch itself
 * needs a boundary inside the stream, so a running `cdc run` performs it ('requested'); only a
 * move to binlog of a table nobody streams and whose change log is empty is done here ('done').
 */
export async function requestUpgrade(ctx: UpgradeContext, table: TableRef, to: CaptureMode): Promise<UpgradeResult> {
  const name = qualifiedName(table);
  if (to !== 'binlog' && to !== 'trigger') {
    throw new UserInputError(`MySQL tables move between trigger and binlog capture; --to ${to} is not available for ${name}`);
  }
  const registry = await getCaptured(ctx.driver, name);
  if (!registry) {
    if (!(await describeTable(ctx.driver, table))) throw new UserInputError(`unknown table ${name}: no such table in database ${table.schema}`);
    throw new UserInputError(`${name} is not set up for capture: run cdc install-triggers --table ${name} first`);
  }
  const from = registry.mode === 'binlog' ? 'binlog' : 'trigger';
  const pending = await getSwitch(ctx.driver, name);
  if (pending && pending.target !== to) {
    throw new UserInputError(`${name} is switching to ${pending.target} capture (${pending.phase}); wait until cdc run has completed it`);
  }
  if (pending?.target === 'binlog' || (pending?.target === 'trigger' && pending.phase !== 'installing')) {
    return { table: name, from, to, state: 'requested' };
  }
  if (!pending && from === to) return { table: name, from, to, state: 'done' };
  if (to === 'binlog') return toBinlog(ctx, table, registry);
  return toTrigger(ctx, table, registry, pending !== null);
}

async function toBinlog(ctx: UpgradeContext, table: TableRef, registry: CapturedTable): Promise<UpgradeResult> {
  const name = qualifiedName(table);
  const settings = await readBinlogSettings(ctx.driver, ctx.mariadb);
  checkBinlogSettings(settings);
  const info = await describeTable(ctx.driver, table);
  if (!info) throw new UserInputError(`unknown table ${name}: no such table in database ${table.schema}`);
  checkBinlogTable(name, info, settings);
  await ctx.ensureMigrated();
  await insertSwitch(ctx.driver, name, 'binlog', 'requested');
  return (await switchNowIfIdle(ctx, table, registry)) ? { table: name, from: 'trigger', to: 'binlog', state: 'done' } : { table: name, from: 'trigger', to: 'binlog', state: 'requested' };
}

/**
 * Nobody holds the drain lock and the log is empty in a snapshot: no trigger change is waiting to
 * be delivered, so the snapshot's binlog coordinate is the boundary right away.
 */
async function switchNowIfIdle(ctx: UpgradeContext, table: TableRef, registry: CapturedTable): Promise<boolean> {
  const lock = new DrainLock(ctx.driver, cdcObjectNames(table).drainLock, registry.tableName);
  try {
    await lock.ensure();
  } catch (err) {
    if (err instanceof TableBusyError) return false;
    throw err;
  }
  try {
    const session = await ctx.driver.dedicated();
    let boundary;
    try {
      boundary = await openSnapshotAt(ctx.driver, session, table, ctx.strategy, 'READ ONLY');
      const [row] = await session.rows<{ n: string | number }>(
        `SELECT COUNT(*) AS n FROM ${quoteIdent(ctx.driver.database)}.${quoteIdent(registry.logTable)}`,
      );
      await session.exec('COMMIT');
      if (Number(row?.n ?? 0) > 0) return false;
    } finally {
      await session.close();
    }
    await commitToBinlog(ctx.driver, table, boundary);
    await cleanupAfterBinlog(ctx.driver, table, registry.logTable, ctx.ddlLockWaitSeconds).catch(() => undefined);
    return true;
  } finally {
    await lock.release();
  }
}

async function toTrigger(ctx: UpgradeContext, table: TableRef, registry: CapturedTable, resuming: boolean): Promise<UpgradeResult> {
  const name = qualifiedName(table);
  const options = { keyColumns: registry.keyColumns };
  await checkInstallable(ctx, table, options);
  await ctx.ensureMigrated();
  if (!resuming) await insertSwitch(ctx.driver, name, 'trigger', 'installing');
  try {
    await installTrigger(ctx, table, options, ctx.ensureMigrated, true);
  } catch (err) {
    // install undid its own DDL; without triggers there is nothing to switch to.
    await deleteSwitch(ctx.driver, name);
    throw err;
  }
  await advanceSwitch(ctx.driver, name, 'trigger', 'installing', 'installed');
  return { table: name, from: 'binlog', to: 'trigger', state: 'requested' };
}
