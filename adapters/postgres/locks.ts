import { TransientError } from '../../src/core/errors.js';
import type { PgDriver, PgSession } from './driver.js';
import { advisoryKey } from './identifiers.js';

/**
 * One reader per table across all cdc processes: a session-level advisory lock per open source.
 * All of a database object's locks share one dedicated connection (not one per table), and an
 * in-process owner map catches a second source for the same table in this process, where
 * PostgreSQL's locks would be re-entrant (always so with PGlite's single session).
 *
 * If that connection dies (server restart, network), PostgreSQL drops every lock with it. `ensure`
 * then takes the lock again on a new connection before the next read, or fails with a retryable
 * error if another process took the table over meanwhile; reading on without the lock would race it.
 */
export class SourceLocks {
  private session: PgSession | null = null;
  private opening: Promise<PgSession> | null = null;
  private readonly held = new Map<string, { owner: object; session: PgSession }>();
  private readonly released = new WeakSet<PgSession>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly driver: PgDriver) {}

  /** Takes (or confirms) the lock on `table` for `owner`. Returns true when it had to be re-taken. */
  async ensure(table: string, owner: object): Promise<boolean> {
    const entry = this.held.get(table);
    // The common case (held, connection alive) answers without a query and without queueing.
    if (entry && !entry.session.lost && entry.owner === owner) return false;
    return this.exclusive(() => this.take(table, owner));
  }

  async release(table: string, owner: object): Promise<void> {
    return this.exclusive(() => this.drop(table, owner));
  }

  /**
   * Runs lock operations one at a time: they share one connection, and tables opening or closing
   * together queued concurrent queries on it (pg's "client is already executing a query"
   * deprecation with 14 tables) and raced on who releases the session last.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async take(table: string, owner: object): Promise<boolean> {
    const entry = this.held.get(table);
    if (entry && !entry.session.lost) {
      if (entry.owner === owner) return false;
      throw new TransientError(`table ${table} is already being captured by another source in this process`);
    }
    const retaken = entry !== undefined;
    this.held.delete(table);
    const session = await this.liveSession();
    const key = advisoryKey('source', table);
    const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
    if (!rows[0]?.ok) {
      const holder = await this.holder(session, key);
      throw new TransientError(`table ${table} is already being captured by another cdc process${holder}; it takes over when that one stops`);
    }
    this.held.set(table, { owner, session });
    return retaken;
  }

  private async drop(table: string, owner: object): Promise<void> {
    const entry = this.held.get(table);
    if (!entry || entry.owner !== owner) return;
    this.held.delete(table);
    const { session } = entry;
    if (!session.lost) {
      await session.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryKey('source', table)]).catch(() => undefined);
    }
    if (![...this.held.values()].some((e) => e.session === session)) {
      if (this.session === session) this.session = null;
      await this.releaseSession(session);
    }
  }

  async close(): Promise<void> {
    // Sources may still be closing concurrently (shutdown closes every table at once).
    await Promise.all([...this.held].map(([table, { owner }]) => this.release(table, owner)));
    await this.exclusive(async () => {
      const session = this.session;
      this.session = null;
      if (session) await this.releaseSession(session).catch(() => undefined);
    });
  }

  /**
   * Releases a session once. Two tables closing at the same moment both found themselves the
   * last user of the shared session after their unlock query, and both released it: pg's
   * "Release called on client which has already been released" at every shutdown. (Lock
   * operations now run one at a time; this stays as the guard for the old lost session.)
   */
  private async releaseSession(session: PgSession): Promise<void> {
    if (this.released.has(session)) return;
    this.released.add(session);
    await session.release();
  }

  private async liveSession(): Promise<PgSession> {
    if (this.session && !this.session.lost) return this.session;
    this.opening ??= (async () => {
      const old = this.session;
      this.session = null;
      if (old) await this.releaseSession(old).catch(() => undefined);
      this.session = await this.driver.dedicated();
      return this.session;
    })().finally(() => (this.opening = null));
    return this.opening;
  }

  /** Best effort: who holds the lock, for the error message. */
  private async holder(session: PgSession, key: string): Promise<string> {
    try {
      const k = BigInt.asUintN(64, BigInt(key));
      const { rows } = await session.query<{ pid: number; app: string | null; client: string | null }>(
        `SELECT l.pid, a.application_name AS app, a.client_addr::text AS client
           FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
            AND l.classid::bigint = $1 AND l.objid::bigint = $2
          LIMIT 1`,
        [Number(k >> 32n), Number(k & 0xffffffffn)],
      );
      const r = rows[0];
      return r ? ` (backend pid ${r.pid}${r.app ? `, application ${r.app}` : ''}${r.client ? ` from ${r.client}` : ''})` : '';
    } catch {
      return '';
    }
  }
}
