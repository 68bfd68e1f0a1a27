import type { PgQueryable } from '../driver.js';
import { formatLsn, parseLsn } from '../wal/lsn.js';
import { formatWalCheckpoint } from '../wal/position.js';

/**
 * The persisted half of a capture-mode switch (captured_tables.pending_mode / switch_request),
 * written by `cdc upgrade` and consumed by the running source. Everything a switch needs after a
 * SIGKILL lives here or in the WAL, never only in a process's memory.
 */
export type SwitchRequest =
  /** trigger → wal: the exported snapshot of the new slot (transactions the slot will not stream). */
  | { to: 'wal'; exportedSnapshot: string; consistentPoint: bigint }
  /** wal → trigger: the marker message written in the transaction that installed the triggers. */
  | { to: 'trigger'; marker: string };

export function formatSwitchRequest(r: SwitchRequest): string {
  return JSON.stringify(
    r.to === 'wal'
      ? { to: 'wal', exported_snapshot: r.exportedSnapshot, consistent_point: formatLsn(r.consistentPoint) }
      : { to: 'trigger', marker: r.marker },
  );
}

export function parseSwitchRequest(text: string | null): SwitchRequest | null {
  if (!text) return null;
  const j = JSON.parse(text) as Record<string, string>;
  if (j.to === 'wal') return { to: 'wal', exportedSnapshot: j.exported_snapshot!, consistentPoint: parseLsn(j.consistent_point!) };
  if (j.to === 'trigger') return { to: 'trigger', marker: j.marker! };
  return null;
}

/** Records a trigger → wal request; false if the table is no longer in plain trigger mode (a concurrent upgrade). */
export async function recordWalRequest(
  q: PgQueryable,
  tableName: string,
  names: { slot: string; publication: string },
  request: Extract<SwitchRequest, { to: 'wal' }>,
): Promise<boolean> {
  const r = await q.query(
    `UPDATE cdc.captured_tables
        SET pending_mode = 'wal', wal_slot = $2, wal_publication = $3, switch_request = $4
      WHERE table_name = $1 AND mode = 'trigger' AND pending_mode IS NULL`,
    [tableName, names.slot, names.publication, formatSwitchRequest(request)],
  );
  return (r.rowCount ?? 0) === 1;
}

/** Locks the registry row for a switch step and returns its switch fields. */
export async function lockSwitchState(
  q: PgQueryable,
  tableName: string,
): Promise<{ mode: string; pendingMode: string | null; request: SwitchRequest | null; slot: string | null } | null> {
  const { rows } = await q.query<{ mode: string; pending_mode: string | null; switch_request: string | null; wal_slot: string | null }>(
    `SELECT mode, pending_mode, switch_request, wal_slot FROM cdc.captured_tables WHERE table_name = $1 FOR UPDATE`,
    [tableName],
  );
  const r = rows[0];
  return r ? { mode: r.mode, pendingMode: r.pending_mode, request: parseSwitchRequest(r.switch_request), slot: r.wal_slot } : null;
}

/** The table is now captured from the WAL, starting at `boundary` (wal/boundary.ts). */
export async function markWalMode(q: PgQueryable, tableName: string, boundary: string, start: bigint): Promise<void> {
  await q.query(
    `UPDATE cdc.captured_tables SET mode = 'wal', pending_mode = NULL, switch_request = NULL, wal_boundary = $2 WHERE table_name = $1`,
    [tableName, boundary],
  );
  await q.query(
    `INSERT INTO cdc.checkpoints AS c (table_name, mode, position, updated_at) VALUES ($1, 'wal', $2, now())
     ON CONFLICT (table_name) DO UPDATE SET mode = 'wal', position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
    [tableName, formatWalCheckpoint({ resume: start, partial: null })],
  );
}

/** The table is back in trigger mode; wal_slot/wal_publication stay until they were dropped. */
export async function markTriggerMode(q: PgQueryable, tableName: string): Promise<void> {
  await q.query(
    `UPDATE cdc.captured_tables SET mode = 'trigger', pending_mode = NULL, switch_request = NULL, wal_boundary = NULL WHERE table_name = $1`,
    [tableName],
  );
  await q.query(`UPDATE cdc.checkpoints SET mode = 'trigger', position = NULL, updated_at = now() WHERE table_name = $1`, [tableName]);
}

/** After the slot and publication were dropped. */
export async function forgetWalObjects(q: PgQueryable, tableName: string): Promise<void> {
  await q.query(
    `UPDATE cdc.captured_tables SET wal_slot = NULL, wal_publication = NULL WHERE table_name = $1 AND mode = 'trigger' AND pending_mode IS NULL`,
    [tableName],
  );
}
