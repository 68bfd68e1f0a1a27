import { UserInputError } from '../../../src/core/errors.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import { ddlError } from '../errors.js';
import { cdcObjectNames, quoteIdent } from '../identifiers.js';
import { forgetCaptured, getCaptured } from '../state-store.js';
import { tableExists, type InstallContext } from './install.js';
import { lockedSession, releaseLockedSession } from '../named-lock.js';

/**
 * Removes capture from one table: triggers first (capture stops), then the change log, then the
 * registry row and checkpoint position; each step is idempotent, so a failed uninstall can simply
 * be re-run. The user's table and data are never touched. Refuses while a `cdc run` drains the
 * table (it holds the drain lock): dropping the log under it would fail its reads.
 * Returns false when there was nothing to remove.
 */
export async function uninstallTrigger(ctx: InstallContext, table: TableRef): Promise<boolean> {
  const name = qualifiedName(table);
  const names = cdcObjectNames(table);
  const registry = await getCaptured(ctx.driver, name);
  const logTable = registry?.logTable ?? names.logTable;
  const triggerNames = [names.triggers.insert, names.triggers.update, names.triggers.delete];
  const existingTriggers = await ctx.driver.rows<{ name: string }>(
    `SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME IN (?, ?, ?)`,
    [table.schema, ...triggerNames],
  );
  const logExists = await tableExists(ctx.driver, ctx.stateDatabase, logTable);
  if (!registry && !logExists && existingTriggers.length === 0) return false;

  let session;
  try {
    session = await lockedSession(
      ctx.driver,
      names.drainLock,
      (holder) => new UserInputError(`${name} is being drained by a running cdc process (connection ${holder}); stop it before uninstalling`),
    );
    await session.exec(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(ctx.ddlLockWaitSeconds))}`);
    for (const t of existingTriggers) await session.exec(`DROP TRIGGER IF EXISTS ${quoteIdent(table.schema)}.${quoteIdent(t.name)}`);
    await session.exec(`DROP TABLE IF EXISTS ${quoteIdent(ctx.stateDatabase)}.${quoteIdent(logTable)}`);
    await forgetCaptured(session, name);
    return true;
  } catch (err) {
    throw err instanceof UserInputError ? err : ddlError(err, name);
  } finally {
    if (session) await releaseLockedSession(session, names.drainLock);
  }
}
