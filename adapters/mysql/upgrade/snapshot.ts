import { TransientError } from '../../../src/core/errors.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import type { BinlogCoord } from '../binlog/position.js';
import type { MysqlDriver, MysqlSession } from '../driver.js';
import { quoteTable } from '../identifiers.js';

/**
 * How to get a read view and the binlog coordinate that matches it exactly, for one table: every
 * transaction that changed the table and committed before the coordinate is visible in the view,
 * and every one that committed after it is not. Both switch directions rest on this.
 *
 *   'mariadb'     START TRANSACTION WITH CONSISTENT SNAPSHOT, then SHOW STATUS LIKE
 *                 'binlog_snapshot_%': MariaDB records the binlog position atomically with the
 *                 snapshot (under the commit-order lock), for every table at once and without
 *                 blocking anyone.
 *   'table-lock'  MySQL 8 has no such status: FLUSH TABLES t WITH READ LOCK on a second connection
 *                 waits for open transactions that wrote t and holds off new writers of t; inside
 *                 that window the snapshot is opened and SHOW MASTER STATUS read, then the lock is
 *                 released. Writers of t wait for a few milliseconds (or the lock wait times out
 *                 behind a long transaction, and the switch tries again later). Needs RELOAD and
 *                 LOCK TABLES. Forced on MariaDB in tests, the way the MySQL 8 trigger path is.
 */
export type SnapshotStrategy = 'mariadb' | 'table-lock';

/** Opens the consistent-snapshot transaction on `session` and returns its binlog coordinate. */
export async function openSnapshotAt(
  driver: MysqlDriver,
  session: MysqlSession,
  table: TableRef,
  strategy: SnapshotStrategy,
  access: 'READ ONLY' | 'READ WRITE',
  lockWaitSeconds = 10,
): Promise<BinlogCoord> {
  await session.exec('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  const start = `START TRANSACTION WITH CONSISTENT SNAPSHOT, ${access}`;
  if (strategy === 'mariadb') {
    await session.exec(start);
    const rows = await session.rows<{ Variable_name: string; Value: string }>("SHOW STATUS LIKE 'binlog_snapshot_%'");
    const v = new Map(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));
    return coordinate(v.get('binlog_snapshot_file'), v.get('binlog_snapshot_position'), 'binlog_snapshot_file/position');
  }
  const lock = await driver.dedicated();
  try {
    await lock.exec(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(lockWaitSeconds))}`);
    try {
      await lock.exec(`FLUSH TABLES ${quoteTable(table)} WITH READ LOCK`);
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_LOCK_WAIT_TIMEOUT') {
        throw new TransientError(`waited ${lockWaitSeconds}s for open transactions on the table to finish before the switch; retrying`, { cause: err });
      }
      throw err;
    }
    try {
      await session.exec(start);
      const [status] = await masterStatus(session);
      return coordinate(status?.File, status?.Position === undefined ? undefined : String(status.Position), 'SHOW MASTER STATUS');
    } finally {
      await lock.exec('UNLOCK TABLES');
    }
  } finally {
    await lock.close();
  }
}

/** The binlog end as the server reports it; MySQL 8.4 renamed SHOW MASTER STATUS. */
export async function masterStatus(q: Pick<MysqlSession, 'rows'>): Promise<Array<{ File: string; Position: string | number }>> {
  try {
    return await q.rows<{ File: string; Position: string | number }>('SHOW MASTER STATUS');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ER_PARSE_ERROR') throw err;
    return q.rows<{ File: string; Position: string | number }>('SHOW BINARY LOG STATUS');
  }
}

function coordinate(file: string | undefined, pos: string | undefined, source: string): BinlogCoord {
  if (!file || !pos || !/^\d+$/.test(pos)) throw new Error(`the server reported no binlog position (${source}); is log_bin on?`);
  return { file, pos: Number(pos) };
}
