import type { MysqlQueryable } from '../driver.js';
import type { NumberedRange } from './history-sequence.js';
import { compressIds, type IdRange } from './position.js';

/**
 * Deletes exactly the acknowledged log rows, run by run:
 *   DELETE FROM log WHERE id BETWEEN a AND b ORDER BY id LIMIT (b − a + 1)
 * The LIMIT is what keeps it from waiting on writers. Measured on MariaDB 10.11: a plain
 * `DELETE … WHERE id BETWEEN 4 AND 5` blocks until an open transaction that wrote id 6 ends
 * (the range scan locks the first record past the range — also under READ COMMITTED), and
 * `id IN (1,2,3,4,5)` became a full scan that did the same; with `ORDER BY id LIMIT 2` the scan
 * stops at 5. Slow writer transactions are exactly what this design waits out, so an ack that
 * waited for them would stall the pipeline. Ids between runs are never named, so a row committed
 * after the reader's snapshot can never be deleted unseen.
 */
export async function deleteRanges(q: MysqlQueryable, logRef: string, ranges: readonly IdRange[]): Promise<number> {
  let deleted = 0;
  for (const [first, last] of ranges) {
    const { affectedRows } = await q.exec(
      `DELETE FROM ${logRef} WHERE id BETWEEN CAST(? AS UNSIGNED) AND CAST(? AS UNSIGNED) ORDER BY id LIMIT ?`,
      [first.toString(), last.toString(), Number(last - first + 1n)],
    );
    deleted += affectedRows;
  }
  return deleted;
}

/**
 * For a retried ack: which of the ranges' rows still exist (a consistent, lock-free read). If the
 * first attempt committed but its reply was lost, the rows are gone, and a bounded DELETE over a
 * run with missing rows would scan past it into rows it must not wait for.
 */
export async function remainingRanges(q: MysqlQueryable, logRef: string, ranges: readonly IdRange[]): Promise<IdRange[]> {
  const left: bigint[] = [];
  for (const [first, last] of ranges) {
    const rows = await q.rows<{ id: string }>(
      `SELECT id FROM ${logRef} WHERE id BETWEEN CAST(? AS UNSIGNED) AND CAST(? AS UNSIGNED) ORDER BY id`,
      [first.toString(), last.toString()],
    );
    for (const r of rows) left.push(BigInt(r.id));
  }
  return compressIds(left);
}

/**
 * For a table with retention: copies the rows about to be deleted into cdc_change_history, with the
 * sequence_number each one's event carried, in the ack's transaction and before its DELETE, so
 * the history holds exactly what was delivered and acknowledged. The same bounded scan as the
 * DELETE (ORDER BY id LIMIT run length), for the same reason: it must stop at the run's last row
 * and never lock the next record, which may belong to a writer still open.
 */
export async function keepRanges(
  q: MysqlQueryable,
  logRef: string,
  tableName: string,
  ranges: readonly NumberedRange[],
  kept: { generation: string; schemaVersion: number },
): Promise<number> {
  let copied = 0;
  for (const { first, last, firstSequence } of ranges) {
    const { affectedRows } = await q.exec(
      `INSERT INTO cdc_change_history
         (table_name, sequence_number, generation, log_id, op, trx_id, changed_at, before_image, after_image, schema_version, acked_at)
       SELECT ?, CAST(? AS DECIMAL(20)) + (id - CAST(? AS UNSIGNED)), ?, id, op, trx_id, changed_at, before_image, after_image, ?, UTC_TIMESTAMP(6)
         FROM ${logRef}
        WHERE id BETWEEN CAST(? AS UNSIGNED) AND CAST(? AS UNSIGNED) ORDER BY id LIMIT ?`,
      [tableName, firstSequence.toString(), first.toString(), kept.generation, kept.schemaVersion, first.toString(), last.toString(), Number(last - first + 1n)],
    );
    copied += affectedRows;
  }
  return copied;
}
