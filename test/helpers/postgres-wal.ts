import pg from 'pg';
import { PG_ADMIN_URL } from './dialects.js';

/**
 * WAL test helpers. A database with a logical replication slot cannot be dropped (not even WITH
 * FORCE), so every WAL test file frees its slots before dropping its database.
 */
export async function dropSlotsOf(database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      await admin.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`, [database]);
      const { rows } = await admin.query(
        `SELECT slot_name, pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`,
        [database],
      );
      const left = await admin.query(`SELECT count(*)::int AS n FROM pg_replication_slots WHERE database = $1`, [database]);
      if (left.rows[0].n === 0) return;
      void rows;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.end();
  }
}

/** Slots and publications of one database, to prove that refused input created nothing. */
export async function walObjects(url: string): Promise<{ slots: string[]; publications: string[] }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const slots = await c.query(`SELECT slot_name FROM pg_replication_slots WHERE database = current_database() ORDER BY 1`);
    const pubs = await c.query(`SELECT pubname FROM pg_publication ORDER BY 1`);
    return { slots: slots.rows.map((r) => r.slot_name), publications: pubs.rows.map((r) => r.pubname) };
  } finally {
    await c.end();
  }
}

/** Waits until the registry shows `table` in `mode` with no switch pending (the running cdc run switched it). */
export async function waitForMode(url: string, table: string, mode: string, timeoutMs = 30_000): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await c.query(`SELECT mode, pending_mode FROM cdc.captured_tables WHERE table_name = $1`, [table]);
      if (rows[0]?.mode === mode && rows[0]?.pending_mode === null) return;
      if (Date.now() > until) throw new Error(`${table} did not reach ${mode} capture within ${timeoutMs} ms (now ${JSON.stringify(rows[0])})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await c.end();
  }
}

/** Event fields that differ between capture modes by design; everything else must be equal. */
export function modeIndependent(value: any): any {
  const { event_id, sequence_number, timestamp, transaction_id, source, ...rest } = value;
  const { mode, position, txid, log_id, lsn, ...sourceRest } = source;
  return { ...rest, source: sourceRest };
}
