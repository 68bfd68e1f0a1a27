import type { MysqlDriver, MysqlSession } from '../driver.js';
import { lockedSession, releaseLockedSession } from '../named-lock.js';
import { TableBusyError } from '../errors.js';

/**
 * GET_LOCK('cdc_drain_<sha1(db.table)>') held on a connection of its own for as long as a binlog
 * source streams the table: the same lock the trigger source holds, so one process captures a
 * table whatever its mode, and uninstall-triggers refuses while it runs. A second process gets
 * TableBusyError (retryable) and waits as a hot standby.
 */
export class DrainLock {
  private session: MysqlSession | null = null;

  constructor(
    private readonly driver: MysqlDriver,
    private readonly lockName: string,
    private readonly table: string,
  ) {}

  /** Takes the lock, or takes it again on a new connection after the old one was lost. */
  async ensure(): Promise<void> {
    if (this.session && !this.session.lost) return;
    if (this.session) await this.session.close().catch(() => undefined);
    this.session = null;
    this.session = await lockedSession(
      this.driver,
      this.lockName,
      (holder) => new TableBusyError(`${this.table} is already being captured by another cdc process (MySQL connection ${holder})`),
    );
  }

  async release(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session) await releaseLockedSession(session, this.lockName);
  }
}
