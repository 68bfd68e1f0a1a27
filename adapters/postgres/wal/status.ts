import type { TableStatus } from '../../../src/core/change-source.js';
import type { PgQueryable } from '../driver.js';
import type { CapturedTableRow } from '../state-store.js';

/**
 * `cdc status` for a table captured from the WAL. The slot is what an operator must watch: it keeps
 * every WAL segment from its restart_lsn on, so a stopped cdc run (or one stuck on a broker) grows
 * `retainedWalBytes` without bound unless max_slot_wal_keep_size caps it (and then invalidates the
 * slot: `walStatus` 'lost'). The change count of the backlog is not known without decoding the WAL;
 * `unconfirmedWalBytes` (current WAL position − the last position the sink acknowledged) stands for
 * it, and the lag is the age of the last acknowledgement while there is WAL after it.
 */
export async function walTableStatus(q: PgQueryable, t: CapturedTableRow): Promise<TableStatus> {
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT s.slot_name IS NOT NULL AS slot_exists, s.active, s.active_pid, s.wal_status,
            s.confirmed_flush_lsn::text AS confirmed_lsn,
            pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::float8 AS retained,
            pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::float8 AS unconfirmed,
            c.position, extract(epoch FROM clock_timestamp() - c.updated_at)::float8 AS checkpoint_age,
            (SELECT k.relreplident::text FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace
              WHERE n.nspname = $3 AND k.relname = $4) AS replica_identity
       FROM (SELECT 1) AS one
       LEFT JOIN pg_replication_slots s ON s.slot_name = $1
       LEFT JOIN cdc.checkpoints c ON c.table_name = $2`,
    [t.walSlot, t.tableName, t.schema, t.name],
  );
  const r = rows[0]!;
  const unconfirmed = r.unconfirmed == null ? null : Math.max(0, Number(r.unconfirmed));
  return {
    table: t.tableName,
    mode: 'wal',
    backlog: 0,
    checkpoint: r.position == null ? null : String(r.position),
    lagSeconds: unconfirmed && r.checkpoint_age != null ? Math.max(0, Math.round(Number(r.checkpoint_age) * 10) / 10) : 0,
    details: {
      slot: t.walSlot,
      publication: t.walPublication,
      slotExists: r.slot_exists === true,
      slotActive: r.active === true,
      activePid: r.active_pid == null ? null : Number(r.active_pid),
      walStatus: r.wal_status ?? null,
      confirmedLsn: r.confirmed_lsn ?? null,
      retainedWalBytes: r.retained == null ? null : Number(r.retained),
      unconfirmedWalBytes: unconfirmed,
      // Anything but FULL shrinks before_data to the key and leaves unchanged TOAST values out.
      replicaIdentityFull: r.replica_identity === 'f',
      keyColumns: t.keyColumns,
      schemaVersion: t.schemaVersion,
      ...(t.pendingMode ? { pendingMode: t.pendingMode } : {}),
    },
  };
}

/** For a trigger-mode table with a slot (a switch to wal pending): the WAL that slot holds meanwhile. */
export async function pendingSlotDetails(q: PgQueryable, slot: string): Promise<Record<string, unknown>> {
  const { rows } = await q.query<{ retained: number | null }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS retained FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  return { walSlot: slot, retainedWalBytes: rows[0]?.retained == null ? null : Number(rows[0].retained) };
}
