import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import { formatCoord, type BinlogCoord } from '../binlog/position.js';
import type { MysqlDriver } from '../driver.js';
import { quoteIdent } from '../identifiers.js';
import { saveCheckpoint } from '../state-store.js';
import { deleteRanges } from '../trigger/ack-query.js';
import { compressIds } from '../trigger/position.js';
import { openSnapshotAt, type SnapshotStrategy } from './snapshot.js';
import { advanceSwitch, deleteSwitch, setMode } from './switch-store.js';

const PAGE = 10_000;

/**
 * binlog → trigger, step 2 of 3 (docs/mysql-binlog.md, "binlog → trigger"). The triggers exist
 * (step 1, `cdc upgrade`), so every change committed from now on has a log row. In one
 * consistent-snapshot transaction: take the boundary coordinate B, delete exactly the log rows
 * visible in the snapshot (they committed before B, so the binlog source delivers them), and
 * record B. Log rows not visible committed after B: the trigger source delivers them, and the
 * binlog source stops at B. All or nothing: a crash before the COMMIT leaves phase 'installed'
 * and the next attempt takes a new snapshot.
 */
export async function takeTriggerBoundary(
  driver: MysqlDriver,
  table: TableRef,
  logTable: string,
  strategy: SnapshotStrategy,
): Promise<BinlogCoord> {
  const name = qualifiedName(table);
  const logRef = `${quoteIdent(driver.database)}.${quoteIdent(logTable)}`;
  const session = await driver.dedicated();
  try {
    const boundary = await openSnapshotAt(driver, session, table, strategy, 'READ WRITE');
    try {
      let after = 0n;
      for (;;) {
        // A consistent read: exactly the rows of the snapshot. The DELETE names only those ids.
        const rows = await session.rows<{ id: string }>(
          `SELECT id FROM ${logRef} WHERE id > CAST(? AS UNSIGNED) ORDER BY id LIMIT ${PAGE}`,
          [after.toString()],
        );
        if (rows.length === 0) break;
        const ids = rows.map((r) => BigInt(r.id));
        await deleteRanges(session, logRef, compressIds(ids));
        after = ids[ids.length - 1]!;
        if (rows.length < PAGE) break;
      }
      if (!(await advanceSwitch(session, name, 'trigger', 'installed', 'boundary', formatCoord(boundary)))) {
        throw new Error(`the switch of ${name} to trigger capture is no longer waiting for its boundary`);
      }
      await session.exec('COMMIT');
      return boundary;
    } catch (err) {
      await session.exec('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    await session.close();
  }
}

/** Step 3, once the binlog source delivered and saw acknowledged every change up to B. */
export async function commitToTrigger(driver: MysqlDriver, table: TableRef, boundary: string): Promise<void> {
  const name = qualifiedName(table);
  await driver.transaction(async (q) => {
    if (!(await setMode(q, name, 'binlog', 'trigger'))) throw new Error(`${name} is no longer in binlog mode; the switch was performed elsewhere`);
    await deleteSwitch(q, name);
    await saveCheckpoint(q, name, JSON.stringify({ switched_from_binlog_at: boundary }));
  });
}
