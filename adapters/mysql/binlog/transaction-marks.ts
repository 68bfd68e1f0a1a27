import type { TransactionMark } from '../../../src/core/transaction-mark.js';
import { formatCoord } from './position.js';
import type { BinlogTransaction, RawChange } from './transactions.js';

/**
 * Debezium's transaction metadata for one committed binlog transaction: the stream sees it whole,
 * with the rows of every binlog-mode table of the source, so `total_order` and the END counts are
 * the same as a MySQL/MariaDB connector capturing those tables writes. `counted` picks the rows
 * that become events (captured tables, no snapshot rows). Returns one mark per change index
 * (undefined for the others).
 *
 * The id is the GTID, as Debezium's connectors write it (MariaDB `0-1-42`, MySQL `uuid:n`); a
 * server without GTIDs gets the binlog coordinate of the commit, `file:pos`, which is as unique.
 */
export function transactionMarks(tx: BinlogTransaction, counted: (raw: RawChange) => boolean): (TransactionMark | undefined)[] {
  const marks: (TransactionMark | undefined)[] = new Array<TransactionMark | undefined>(tx.changes.length).fill(undefined);
  const perTable = new Map<string, number>();
  const id = tx.gtid ?? formatCoord(tx.end);
  const timestamp = new Date(tx.ts).toISOString();
  let total = 0;
  let last = -1;
  tx.changes.forEach((raw, i) => {
    if (!counted(raw)) return;
    const table = `${raw.schema}.${raw.table}`;
    const order = (perTable.get(table) ?? 0) + 1;
    perTable.set(table, order);
    total++;
    last = i;
    marks[i] = { id, totalOrder: total, collectionOrder: order, begin: total === 1, end: null, timestamp };
  });
  if (last >= 0) {
    const collections = [...perTable].map(([name, eventCount]) => ({ name, eventCount }));
    marks[last]!.end = { eventCount: total, collections };
  }
  return marks;
}
