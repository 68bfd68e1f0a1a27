import { TransientError, UserInputError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import type { UpgradeResult } from '../../../src/core/source-database.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import type { PgDriver } from '../driver.js';
import { asTransient, oneLine, pgErrorCode } from '../errors.js';
import { quoteIdent, quoteTable } from '../identifiers.js';
import { sqlTemplate } from '../sql-files.js';
import { getCaptured } from '../state-store.js';
import { dropWalObjects } from '../wal/cleanup.js';
import { walObjectName } from '../wal/names.js';
import { planWalUpgrade, readWalFacts } from '../wal/preflight.js';
import { createSlotExportingSnapshot } from '../wal/replication.js';
import { alreadyDone, requested } from './result.js';
import { recordWalRequest } from './state.js';
import { renderSql } from '../../../src/core/sql-template.js';

/**
 * `cdc upgrade --to wal`, the setup step (STYLE rule 2): validate, create the publication and the
 * slot, record the request. The running source does the switch itself (switching-source.ts).
 *
 * The slot is created with an exported snapshot S: it shows exactly the transactions the slot
 * will never stream. Recording S lets the running trigger source end at a snapshot that covers S,
 * so every transaction is delivered by exactly one of the two. Validation reads only; bad input
 * changes nothing. A failure after the slot exists drops slot and publication again; a SIGKILL in
 * that window leaves an unrecorded slot, which the next `cdc upgrade` recognises and replaces.
 */
export async function requestWal(
  deps: { driver: PgDriver; url: string | null; databaseName: string; logger?: Logger },
  t: TableRef,
): Promise<UpgradeResult> {
  const { driver } = deps;
  const name = qualifiedName(t);
  const info = await getCaptured(driver, name);
  if (!info) throw new UserInputError(`table ${name} is not set up for capture: run cdc install-triggers --table ${JSON.stringify(name)} first`);
  if (info.pendingMode === 'wal') return requested(name, 'trigger', 'wal');
  if (info.pendingMode) throw new UserInputError(`table ${name} is switching to ${info.pendingMode} capture; wait until cdc status shows it done`);
  if (info.mode === 'wal') return alreadyDone(name, 'wal');
  if (!deps.url) throw new UserInputError('WAL capture needs a PostgreSQL server reached by a postgres:// URL (PGlite has no replication)');

  const slot = walObjectName(deps.databaseName, t);
  const plan = planWalUpgrade(await readWalFacts(driver, t, slot), {
    table: name,
    quotedTable: quoteTable(t),
    slot,
  });

  return setupStep(name, async () => {
    if (plan.dropLeftoverSlot) {
      deps.logger?.warn({ table: name, slot }, 'dropping a replication slot left by an interrupted cdc upgrade');
      await dropWalObjects(driver, slot, null, 0);
    }
    await driver.exec(renderSql(sqlTemplate('wal-publication.sql'), { publication: quoteIdent(slot), table: quoteTable(t) }));
    let created;
    try {
      created = await createSlotExportingSnapshot(deps.url!, slot);
    } catch (err) {
      await dropWalObjects(driver, null, slot).catch(() => undefined);
      throw err;
    }
    try {
      const exportedSnapshot = await importSnapshot(driver, created.snapshotName);
      const ok = await recordWalRequest(driver, name, { slot, publication: slot }, { to: 'wal', exportedSnapshot, consistentPoint: created.consistentPoint });
      if (!ok) throw new UserInputError(`table ${name} changed capture mode while cdc upgrade ran (another cdc upgrade?); nothing was switched`);
    } catch (err) {
      await created.release();
      await dropWalObjects(driver, slot, slot).catch(() => undefined);
      throw err;
    }
    await created.release();
    return requested(name, 'trigger', 'wal');
  });
}

/** The exported snapshot as a pg_snapshot (xid8 values), the form the trigger log's txids compare with. */
async function importSnapshot(driver: PgDriver, snapshotName: string): Promise<string> {
  if (!/^[0-9A-Fa-f-]+$/.test(snapshotName)) throw new Error(`unexpected exported snapshot name ${JSON.stringify(snapshotName)}`);
  return driver.transaction(async (q) => {
    await q.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await q.exec(`SET TRANSACTION SNAPSHOT '${snapshotName}'`);
    const { rows } = await q.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s');
    return rows[0]!.s;
  });
}

async function setupStep<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UserInputError || err instanceof TransientError) throw err;
    const code = pgErrorCode(err);
    if (code === '42501') throw new UserInputError(`not allowed to set up WAL capture of ${name}: ${oneLine(err)}`, { cause: err });
    if (code === '55000' || code === '53400' || code === '42710') throw new UserInputError(`cannot set up WAL capture of ${name}: ${oneLine(err)}`, { cause: err });
    throw asTransient(err, `cannot set up WAL capture of ${name}`);
  }
}
