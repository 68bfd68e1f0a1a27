import { randomBytes } from 'node:crypto';
import type { Logger } from '../../src/core/logger.js';
import type { MysqlDriver, MysqlSession } from '../mysql/driver.js';

/**
 * The open transactions of a MySQL/MariaDB server, as the poll watermark needs them: read from
 * information_schema.INNODB_TRX, and only trusted when that view is known to be current.
 *
 * INNODB_TRX is not live. InnoDB serves it from a cache that a read refreshes only when the cache
 * has not been read for 100 ms (trx0i_s.cc: `can_cache_be_updated`; every read moves `last_read`).
 * A client that reads it more often than that — cdc itself with a short --schedule, several polled
 * tables, another cdc, a monitoring tool — freezes it: every read returns the same old snapshot,
 * for as long as the reads go on. An old snapshot that still lists finished transactions holds the
 * bound back; one taken before a transaction began does not list it, and a bound computed from it
 * can pass that transaction's rows — a lost change.
 *
 * So: (1) this process reads the view at most once per `MIN_GAP_MS` (> 100 ms), shared by every
 * table of the source, and never freezes it itself; (2) each read is made inside a transaction of
 * its own whose statement carries a nonce, and counts only if the view lists that transaction with
 * that statement as its current query — then the cache was filled during the statement, after its
 * NOW(6). A read that is not fresh is ignored: the bound waits (lag, never loss), and after
 * `STALE_WARN_MS` without a fresh read cdc warns that another client keeps the view frozen.
 */

/** A fresh reading: open transactions as of a moment at or after `at`. */
export interface TrxReading {
  /** NOW(6) of the reading statement, µs since the epoch; the view was filled at or after it. */
  at: bigint;
  /**
   * Start (trx_started, whole seconds) of the oldest open transaction, µs; null: none. Not counted:
   * the readings of any cdc (read-only, they take no version or stamp).
   */
  oldestOpen: bigint | null;
}

const MIN_GAP_MS = 150;
const STALE_WARN_MS = 10_000;
const MARK = 'cdc-innodb-trx-view';
const PRIVILEGE_ERRORS = new Set(['ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);
const micros = (e: string) => `CAST(UNIX_TIMESTAMP(${e}) * 1000000 AS SIGNED)`;

export class InnodbTrxView {
  private session: MysqlSession | null = null;
  private last: TrxReading | null = null;
  private lastReadMs = 0;
  private lastFreshMs = Date.now();
  private inFlight: Promise<TrxReading | null> | null = null;
  private available = true;
  private warnedStale = false;

  constructor(private readonly driver: MysqlDriver) {}

  /**
   * The newest fresh reading (possibly from an earlier call: at most one read per MIN_GAP_MS);
   * null while none has been fresh. Without the PROCESS privilege: the clock and no open
   * transaction (cdc warns once and relies on the safety lag).
   */
  read(logger: Logger): Promise<TrxReading | null> {
    if (!this.available) return this.clockOnly();
    if (this.inFlight) return this.inFlight;
    if (Date.now() - this.lastReadMs < MIN_GAP_MS) return Promise.resolve(this.last);
    const run = this.fetch(logger).finally(() => {
      this.lastReadMs = Date.now();
      this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = null;
    await s?.close();
  }

  private async fetch(logger: Logger): Promise<TrxReading | null> {
    if (this.session?.lost) this.session = null;
    const s = (this.session ??= await this.driver.dedicated());
    const nonce = `/* ${MARK} ${randomBytes(8).toString('hex')} */`;
    let row: { at: string | number; oldest: string | number | null; fresh: string | number | null } | undefined;
    try {
      // A transaction of its own (started at once, so the cache lists it while the statement runs).
      await s.exec('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      try {
        [row] = await s.rows(
          `${nonce} SELECT ${micros('NOW(6)')} AS at,
                  ${micros(`MIN(IF(trx_mysql_thread_id <> CONNECTION_ID() AND COALESCE(trx_query, '') NOT LIKE '/* ${MARK} %', trx_started, NULL))`)} AS oldest,
                  MAX(trx_mysql_thread_id = CONNECTION_ID() AND trx_query LIKE '${nonce}%') AS fresh
             FROM information_schema.INNODB_TRX`,
        );
      } finally {
        await s.exec('COMMIT');
      }
    } catch (err) {
      if (!PRIVILEGE_ERRORS.has(String((err as { code?: unknown }).code))) throw err;
      this.available = false;
      logger.warn({ privilege: 'PROCESS' }, 'cannot read information_schema.INNODB_TRX: the poll watermark relies on --safety-lag alone; GRANT PROCESS to the cdc user');
      await this.close();
      return this.clockOnly();
    }
    if (Number(row?.fresh) === 1) {
      this.last = { at: BigInt(row!.at), oldestOpen: row!.oldest === null ? null : BigInt(row!.oldest) };
      this.lastFreshMs = Date.now();
      if (this.warnedStale) logger.info({}, 'information_schema.INNODB_TRX is current again: the poll watermark moves on');
      this.warnedStale = false;
    } else if (!this.warnedStale && Date.now() - this.lastFreshMs > STALE_WARN_MS) {
      this.warnedStale = true;
      logger.warn(
        { staleForMs: Date.now() - this.lastFreshMs },
        'information_schema.INNODB_TRX is not being refreshed: another client reads it more often than every 100 ms, which freezes it; the poll watermark waits until it is current again',
      );
    }
    return this.last;
  }

  private async clockOnly(): Promise<TrxReading> {
    const [r] = await this.driver.rows<{ at: string | number }>(`SELECT ${micros('NOW(6)')} AS at`);
    return { at: BigInt(r!.at), oldestOpen: null };
  }
}
