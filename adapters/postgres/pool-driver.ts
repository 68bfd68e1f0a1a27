import pg from 'pg';
import type { PgDriver, PgQueryable, PgSession } from './driver.js';
import { SESSION_SETTINGS } from './driver.js';
import { isTransientPgError } from './errors.js';

/** PgDriver over a node-postgres pool: one connection per transaction, dedicated sessions for locks. */
export function poolDriver(config: pg.PoolConfig): PgDriver {
  // TCP keepalive notices a silently dropped connection (and with it the capture locks) in seconds.
  const pool = new pg.Pool({ application_name: 'cdc', keepAlive: true, keepAliveInitialDelayMillis: 10_000, ...config });
  // An idle client that dies (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const initialized = new WeakSet<pg.PoolClient>();

  // Settings go in with a query of their own on first use of each connection (startup `options`
  // would be rejected by PgBouncer; the pool's 'connect' event cannot await).
  const acquire = async (): Promise<pg.PoolClient> => {
    const client = await pool.connect();
    if (!initialized.has(client)) {
      // A checked-out client whose connection dies between queries emits 'error'; the pool only
      // listens while the client is idle, and an unheard 'error' would crash the process (the
      // fault harness's database crash found this). The failed query reports it; this must not.
      client.on('error', () => undefined);
      try {
        await client.query(SESSION_SETTINGS);
      } catch (err) {
        client.release(true);
        throw err;
      }
      initialized.add(client);
    }
    return client;
  };
  // A connection that failed is destroyed rather than handed to the next caller.
  const done = (client: pg.PoolClient, err?: unknown) => client.release(err !== undefined && isTransientPgError(err));

  const wrap = (c: pg.ClientBase): PgQueryable => ({
    query: async (text, params) => c.query(text, params) as never,
    exec: async (sql) => {
      await c.query(sql);
    },
  });
  const withClient = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await acquire();
    try {
      const result = await fn(client);
      done(client);
      return result;
    } catch (err) {
      done(client, err);
      throw err;
    }
  };

  return {
    query: (text, params) => withClient((c) => c.query(text, params) as never),
    exec: (sql) => withClient(async (c) => void (await c.query(sql))),
    transaction: (fn) =>
      withClient(async (client) => {
        await client.query('BEGIN');
        try {
          const result = await fn(wrap(client));
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    async dedicated(): Promise<PgSession> {
      const client = await acquire();
      let lost = false;
      let released = false;
      const onError = () => {
        lost = true;
      };
      client.on('error', onError);
      const q = wrap(client);
      return {
        query: async (text, params) => {
          try {
            return await q.query(text, params);
          } catch (err) {
            if (isTransientPgError(err)) lost = true;
            throw err;
          }
        },
        exec: q.exec,
        get lost() {
          return lost;
        },
        async release() {
          // Idempotent: pg throws when a client is released twice.
          if (released) return;
          released = true;
          client.off('error', onError);
          // Destroyed, never returned to the pool with session state (locks) in it.
          client.release(true);
        },
      };
    },
    end: () => pool.end(),
  };
}
