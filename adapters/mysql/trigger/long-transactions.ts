import type { Logger } from '../../../src/core/logger.js';
import type { MysqlQueryable } from '../driver.js';

export interface OpenTransaction {
  trxId: string;
  threadId: number | null;
  ageSeconds: number;
}

const isPrivilegeError = (err: unknown): boolean =>
  ['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR'].includes(
    String((err as { code?: unknown } | null)?.code),
  );

/**
 * The oldest open transaction that has written something, server-wide (information_schema.INNODB_TRX,
 * needs PROCESS; null when the user lacks it or none is open). Its log rows stay invisible to the
 * reader until it ends (other transactions' changes flow past it), so its age is how far capture
 * of its changes is held back. INNODB_TRX is a cached snapshot, refreshed only when nobody read it
 * in the last 100 ms (docs/polling.md, "INNODB_TRX is a cache"): possibly stale, which is fine for
 * an alarm read every 10 s (and why it cannot name the current transaction inside a trigger).
 */
export async function oldestWriteTransaction(q: MysqlQueryable): Promise<OpenTransaction | null> {
  try {
    const [row] = await q.rows<{ trx_id: string; thread: string | number | null; age: string | number }>(
      `SELECT trx_id, trx_mysql_thread_id AS thread, TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS age
         FROM information_schema.INNODB_TRX WHERE trx_rows_modified > 0 ORDER BY trx_started LIMIT 1`,
    );
    if (!row) return null;
    return { trxId: String(row.trx_id), threadId: row.thread === null ? null : Number(row.thread), ageSeconds: Number(row.age) };
  } catch (err) {
    if (isPrivilegeError(err)) return null;
    throw err;
  }
}

/**
 * Warns once per episode when an open write transaction is older than the threshold, and says so
 * when it has ended. Checked at most every `intervalMs`, between read rounds.
 */
export class LongTransactionAlarm {
  private lastCheck = 0;
  private raised = false;

  constructor(
    private readonly logger: Logger,
    private readonly table: string,
    private readonly thresholdSeconds: number,
    private readonly intervalMs = 10_000,
  ) {}

  async check(q: MysqlQueryable, now = Date.now()): Promise<void> {
    if (now - this.lastCheck < this.intervalMs) return;
    this.lastCheck = now;
    const oldest = await oldestWriteTransaction(q);
    const long = oldest !== null && oldest.ageSeconds >= this.thresholdSeconds;
    if (long && !this.raised) {
      this.raised = true;
      this.logger.warn(
        { table: this.table, trxId: oldest.trxId, threadId: oldest.threadId, ageSeconds: oldest.ageSeconds, thresholdSeconds: this.thresholdSeconds },
        'a long open transaction is holding back its changes; they are delivered when it commits',
      );
    } else if (!long && this.raised) {
      this.raised = false;
      this.logger.info({ table: this.table }, 'long open transaction has ended');
    }
  }
}
