import type { SequenceStore } from '../../src/core/sequence-store.js';
import type { MysqlDriver } from './driver.js';

/**
 * Sequence numbers from cdc_checkpoints.seq_reserved. The UPDATE takes the row lock, so concurrent
 * reservations (two processes) serialise; LAST_INSERT_ID(expr) hands the new value back on the
 * same connection without a second read that could race. The reservation commits before it is
 * returned, so a crash can only skip numbers, never repeat them.
 */
export class MysqlSequenceStore implements SequenceStore {
  constructor(
    private readonly driver: MysqlDriver,
    private readonly ensureMigrated: () => Promise<void>,
  ) {}

  async reserve(table: string, count: number): Promise<bigint> {
    if (!Number.isSafeInteger(count) || count < 1) throw new Error(`reserve count must be a positive integer, got ${count}`);
    await this.ensureMigrated();
    return this.driver.transaction(async (q) => {
      // Not INSERT IGNORE: that would also turn a too-long name into a silently truncated key.
      await q.exec('INSERT INTO cdc_checkpoints (table_name, seq_reserved) VALUES (?, 0) ON DUPLICATE KEY UPDATE table_name = table_name', [table]);
      await q.exec('UPDATE cdc_checkpoints SET seq_reserved = LAST_INSERT_ID(seq_reserved + ?) WHERE table_name = ?', [count, table]);
      const [row] = await q.rows<{ last: string }>('SELECT CAST(LAST_INSERT_ID() AS CHAR) AS last');
      return BigInt(row!.last) - BigInt(count) + 1n;
    });
  }
}
