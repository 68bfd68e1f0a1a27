import type { MysqlDriver, MysqlSession } from './driver.js';

/**
 * MySQL/MariaDB named locks (GET_LOCK): the one way cdc takes them. A named lock lives with its
 * connection, so each is held on a dedicated session: closing it (or its loss: a crash, a network
 * cut) releases the lock on the server, and a paused process keeps it as long as its connection
 * lives. That is what fences a second cdc process off a table, a snapshot or a migration.
 */

/**
 * Opens a dedicated session holding lock `name`, waiting up to `waitSeconds` (0: not at all).
 * When another connection holds it, the session is closed and `busy` (given the holder's
 * connection id, when the server still knows it) makes the error to throw.
 */
export async function lockedSession(driver: MysqlDriver, name: string, busy: (holder: string) => Error, waitSeconds = 0): Promise<MysqlSession> {
  const session = await driver.dedicated();
  try {
    const [row] = await session.rows<{ got: number | string | null; holder: number | string | null }>(
      'SELECT GET_LOCK(?, ?) AS got, IS_USED_LOCK(?) AS holder',
      [name, waitSeconds, name],
    );
    if (Number(row?.got) !== 1) throw busy(row?.holder === null || row?.holder === undefined ? '?' : String(row.holder));
    return session;
  } catch (err) {
    await session.close();
    throw err;
  }
}

/**
 * Releases lock `name` and closes its session. Closing alone would release it too, but
 * asynchronously on the server; RELEASE_LOCK first lets the next holder (a mode switch, a restart)
 * take it at once.
 */
export async function releaseLockedSession(session: MysqlSession, name: string): Promise<void> {
  try {
    if (!session.lost) await session.rows('SELECT RELEASE_LOCK(?) AS released', [name]).catch(() => undefined);
  } finally {
    await session.close();
  }
}
