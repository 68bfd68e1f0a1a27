import type { PGlite } from '@electric-sql/pglite';
import type { PgDriver, PgQueryable, PgSession } from './driver.js';
import { SESSION_SETTINGS } from './driver.js';

/**
 * PgDriver over PGlite (the embedded demo database). PGlite is one connection that serialises its
 * callers, so `dedicated()` shares it; advisory locks are then re-entrant within this process, which
 * is why the database object also keeps an in-process set of locked tables.
 */
export async function pgliteDriver(db: PGlite): Promise<PgDriver> {
  await db.waitReady;
  await db.exec(SESSION_SETTINGS);
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): PgQueryable => ({
    query: async (text, params) => {
      const r = await q.query(text, params);
      return { rows: r.rows as never[], rowCount: r.affectedRows ?? r.rows.length };
    },
    exec: async (sql) => {
      await q.exec(sql);
    },
  });
  const shared = wrap(db);
  return {
    ...shared,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async dedicated(): Promise<PgSession> {
      return { ...shared, lost: false, release: async () => undefined };
    },
    end: () => db.close(),
  };
}
