import type { TableStatus } from '../../src/core/change-source.js';
import type { PgQueryable } from './driver.js';
import { quoteIdent } from './identifiers.js';
import { listCapturedRows } from './state-store.js';
import { pendingSlotDetails, walTableStatus } from './wal/status.js';

/**
 * `cdc status` numbers per captured table. The backlog is an exact count(*) of the log (only
 * undrained rows live there, and status is run by hand, not on a hot path); the lag uses the
 * lowest id's changed_at, which is the oldest change up to the write-time skew of concurrent
 * writers, via the primary key instead of a scan.
 */
export async function tableStatuses(q: PgQueryable): Promise<TableStatus[]> {
  const tables = await listCapturedRows(q);
  const oldest = await oldestOpenTransaction(q);
  const out: TableStatus[] = [];
  for (const t of tables) {
    if (t.mode === 'wal') {
      out.push(await walTableStatus(q, t));
      continue;
    }
    const log = `cdc.${quoteIdent(t.logTable)}`;
    const { rows } = await q.query<{ backlog: string; lag: number | null; position: string | null; triggers: number }>(
      `SELECT (SELECT count(*) FROM ${log})::text AS backlog,
              extract(epoch FROM clock_timestamp() - (SELECT changed_at FROM ${log} ORDER BY id LIMIT 1))::float8 AS lag,
              (SELECT position FROM cdc.checkpoints WHERE table_name = $1) AS position,
              (SELECT count(*)::int FROM pg_trigger tg
                 JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $2 AND c.relname = $3
                  AND tg.tgname IN ('cdc_capture', 'cdc_capture_truncate') AND tg.tgenabled <> 'D') AS triggers`,
      [t.tableName, t.schema, t.name],
    );
    const r = rows[0]!;
    out.push({
      table: t.tableName,
      mode: 'trigger',
      backlog: Number(r.backlog),
      checkpoint: r.position,
      lagSeconds: r.lag === null ? 0 : Math.max(0, Number(r.lag)),
      details: {
        logTable: `cdc.${t.logTable}`,
        keyColumns: t.keyColumns,
        generation: t.generation,
        schemaVersion: t.schemaVersion,
        // Fewer than 2 means changes are not being captured (trigger dropped or disabled).
        triggersActive: Number(r.triggers) === 2,
        // Changes of a transaction are only read after it commits: an old open transaction that
        // wrote something holds its changes (not others) back and keeps dead log rows from vacuum.
        oldestOpenTransaction: oldest,
        ...(t.pendingMode ? { pendingMode: t.pendingMode } : {}),
        ...(t.walSlot ? await pendingSlotDetails(q, t.walSlot) : {}),
      },
    });
  }
  return out;
}

async function oldestOpenTransaction(q: PgQueryable): Promise<{ pid: number; ageSeconds: number; state: string | null } | null> {
  try {
    const { rows } = await q.query<{ pid: number; age: number; state: string | null }>(
      `SELECT pid, extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age, state
         FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datname = current_database() AND pid <> pg_backend_pid()
        ORDER BY xact_start LIMIT 1`,
    );
    const r = rows[0];
    return r ? { pid: Number(r.pid), ageSeconds: Math.round(Number(r.age) * 10) / 10, state: r.state } : null;
  } catch {
    return null; // pg_stat_activity is not available everywhere (PGlite).
  }
}
