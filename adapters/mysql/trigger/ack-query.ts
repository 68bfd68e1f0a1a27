import type { MysqlQueryable } from '../driver';
import { compressIds, type IdRange } from './position';

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
