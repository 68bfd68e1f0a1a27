import type { MysqlDriver, MysqlSession } from '../driver.js';
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
    const session = await this.driver.dedicated();
    try {
      const [lock] = await session.rows<{ got: number | string | null; holder: number | string | null }>(
        'SELECT GET_LOCK(?, 0) AS got, IS_USED_LOCK(?) AS holder',
        [this.lockName, this.lockName],
      );
      if (Number(lock?.got) !== 1) {
        throw new TableBusyError(`${this.table} is already being captured by another cdc process (MySQL connection ${lock?.holder ?? '?'})`);
      }
    } catch (err) {
      await session.close();
      throw err;
    }
    this.session = session;
  }

  /**
   * Closing the connection would release the lock too, but asynchronously on the server; the
   * explicit RELEASE_LOCK lets the next source (a mode switch, a restart) take it right away.
   */
  async release(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (!session) return;
    if (!session.lost) await session.rows('SELECT RELEASE_LOCK(?) AS released', [this.lockName]).catch(() => undefined);
    await session.close();
  }
}
