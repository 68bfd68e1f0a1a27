import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import { saveBinlogCheckpoint } from '../binlog/checkpoint.js';
import { checkpointAt, type BinlogCoord } from '../binlog/position.js';
import type { MysqlDriver } from '../driver.js';
import { cdcObjectNames, quoteIdent } from '../identifiers.js';
import { advanceSwitch, deleteSwitch, setMode } from './switch-store.js';

/**
 * trigger → binlog, step 2 of 3 (docs/mysql-binlog.md, "trigger → binlog"). Called once the
 * trigger source has delivered, and seen acknowledged, exactly the change-log rows visible in the
 * snapshot that `boundary` belongs to. One transaction makes the table binlog-mode with its
 * checkpoint at the boundary, so a crash leaves either the old mode (the boundary round is simply
 * repeated with a new snapshot) or the new one, never a mix.
 */
export async function commitToBinlog(driver: MysqlDriver, table: TableRef, boundary: BinlogCoord): Promise<void> {
  const name = qualifiedName(table);
  await driver.transaction(async (q) => {
    if (!(await setMode(q, name, 'trigger', 'binlog'))) throw new Error(`${name} is no longer in trigger mode; the switch was performed elsewhere`);
    await advanceSwitch(q, name, 'binlog', 'requested', 'cleanup');
    await saveBinlogCheckpoint(q, name, checkpointAt(boundary, new Date().toISOString()));
  });
}

/**
 * Step 3: drop the triggers, then the change log (rows still in it committed after the boundary and
 * are in the binlog too), then forget the switch. Idempotent; on failure (a long transaction
 * holding the table's metadata lock) the binlog source runs on meanwhile and this is retried —
 * the triggers only cost the writers some time until then.
 */
export async function cleanupAfterBinlog(driver: MysqlDriver, table: TableRef, logTable: string, lockWaitSeconds: number): Promise<void> {
  const names = cdcObjectNames(table);
  const schema = quoteIdent(table.schema);
  const session = await driver.dedicated();
  try {
    await session.exec(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(lockWaitSeconds))}`);
    for (const trigger of Object.values(names.triggers)) await session.exec(`DROP TRIGGER IF EXISTS ${schema}.${quoteIdent(trigger)}`);
    await session.exec(`DROP TABLE IF EXISTS ${quoteIdent(driver.database)}.${quoteIdent(logTable)}`);
    await deleteSwitch(session, qualifiedName(table));
  } finally {
    await session.close();
  }
}
