import { UserInputError } from '../../../src/core/errors.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import type { PgQueryable } from '../driver.js';
import { WAL_SINCE } from '../server-version.js';

/** Everything `cdc upgrade --to wal` checks before it changes anything, read in one query. */
export interface WalFacts {
  /** server_version_num and server_version ("12.22"). */
  serverVersionNum: number;
  serverVersion: string;
  walLevel: string;
  maxSlots: number;
  usedSlots: number;
  maxSenders: number;
  usedSenders: number;
  role: string;
  canReplicate: boolean;
  /** pg_class.relreplident: d(efault), n(othing), f(ull), i(ndex); null when the table is missing. */
  replicaIdentity: string | null;
  relkind: string | null;
  slot: { active: boolean; activePid: number | null; plugin: string | null; database: string | null; application: string | null } | null;
  database: string;
}

export async function readWalFacts(q: PgQueryable, t: TableRef, slot: string): Promise<WalFacts> {
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT current_setting('server_version_num')::int AS version_num, current_setting('server_version') AS version,
            current_setting('wal_level') AS wal_level,
            current_setting('max_replication_slots')::int AS max_slots,
            (SELECT count(*)::int FROM pg_replication_slots) AS used_slots,
            current_setting('max_wal_senders')::int AS max_senders,
            (SELECT count(*)::int FROM pg_stat_replication) AS used_senders,
            current_user::text AS role,
            (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS can_replicate,
            (SELECT c.relreplident::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2) AS replica_identity,
            (SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2) AS relkind,
            current_database()::text AS database,
            s.slot_name IS NOT NULL AS slot_exists, s.active, s.active_pid, s.plugin::text AS plugin, s.database::text AS slot_database,
            (SELECT application_name FROM pg_stat_activity WHERE pid = s.active_pid) AS application
       FROM (SELECT 1) AS one LEFT JOIN pg_replication_slots s ON s.slot_name = $3`,
    [t.schema, t.name, slot],
  );
  const r = rows[0]!;
  return {
    serverVersionNum: Number(r.version_num),
    serverVersion: String(r.version).split(' ')[0]!,
    walLevel: String(r.wal_level),
    maxSlots: Number(r.max_slots),
    usedSlots: Number(r.used_slots),
    maxSenders: Number(r.max_senders),
    usedSenders: Number(r.used_senders),
    role: String(r.role),
    canReplicate: r.can_replicate === true,
    replicaIdentity: r.replica_identity == null ? null : String(r.replica_identity),
    relkind: r.relkind == null ? null : String(r.relkind),
    database: String(r.database),
    slot: r.slot_exists
      ? {
          active: r.active === true,
          activePid: r.active_pid == null ? null : Number(r.active_pid),
          plugin: r.plugin == null ? null : String(r.plugin),
          database: r.slot_database == null ? null : String(r.slot_database),
          application: r.application == null ? null : String(r.application),
        }
      : null,
  };
}

export interface WalPlan {
  /** An inactive slot of ours that no state records: left by an interrupted `cdc upgrade`. */
  dropLeftoverSlot: boolean;
}

const IDENTITY: Record<string, string> = { d: 'DEFAULT', n: 'NOTHING', i: 'USING INDEX', f: 'FULL' };

/**
 * The checks, as a pure function of the facts (unit-tested against hand-written facts, since the
 * shared server's wal_level cannot be changed by a test). Throws one-line UserInputErrors that
 * say what to change.
 */
export function planWalUpgrade(f: WalFacts, ctx: { table: string; quotedTable: string; slot: string }): WalPlan {
  if (f.serverVersionNum < WAL_SINCE) {
    // The switch boundary is a logical message in the stream, which pgoutput sends only from 14.
    throw new UserInputError(
      `WAL capture needs PostgreSQL 14 or later (pgoutput's messages option); this server is PostgreSQL ${f.serverVersion}: keep ${ctx.table} on trigger capture, or poll it (cdc install-poll)`,
    );
  }
  if (f.walLevel !== 'logical') {
    throw new UserInputError(
      `wal_level is '${f.walLevel}'; WAL capture needs wal_level = logical: run ALTER SYSTEM SET wal_level = logical and restart PostgreSQL`,
    );
  }
  if (!f.canReplicate) throw new UserInputError(`role ${f.role} may not stream the WAL: run ALTER ROLE ${f.role} REPLICATION (as a superuser)`);
  if (f.relkind === null) throw new UserInputError(`table ${ctx.table} does not exist`);
  if (f.relkind !== 'r') {
    const what = f.relkind === 'p' ? 'a partitioned table' : `not a plain table (relkind '${f.relkind}')`;
    throw new UserInputError(`${ctx.table} is ${what}; WAL capture supports plain tables only (keep it on trigger capture)`);
  }
  let dropLeftoverSlot = false;
  if (f.slot) {
    if (f.slot.active) {
      const who = `PID ${f.slot.activePid ?? '?'}${f.slot.application ? ` (${f.slot.application})` : ''}`;
      throw new UserInputError(`replication slot ${ctx.slot} is already in use by ${who}; stop that process or drop the slot before cdc upgrade`);
    }
    if (f.slot.plugin !== 'pgoutput' || f.slot.database !== f.database) {
      throw new UserInputError(`replication slot ${ctx.slot} already exists and is not cdc's (plugin ${f.slot.plugin}, database ${f.slot.database}); drop it first`);
    }
    dropLeftoverSlot = true;
  } else if (f.usedSlots >= f.maxSlots) {
    throw new UserInputError(`all ${f.maxSlots} replication slots are taken (max_replication_slots); drop unused slots or raise the setting (restart needed)`);
  }
  if (f.usedSenders >= f.maxSenders) {
    throw new UserInputError(`all ${f.maxSenders} WAL senders are busy (max_wal_senders); raise the setting (restart needed)`);
  }
  // cdc does not alter the user's table itself: FULL costs WAL volume on every UPDATE/DELETE, a
  // decision for the table's owner. Without it before_data would shrink to the key.
  const identity = f.replicaIdentity ?? 'd';
  if (identity !== 'f') {
    throw new UserInputError(
      `table ${ctx.table} has REPLICA IDENTITY ${IDENTITY[identity] ?? identity}, so the WAL holds no full before images ` +
        `(before_data of UPDATE/DELETE, unchanged TOAST values); run ALTER TABLE ${ctx.quotedTable} REPLICA IDENTITY FULL, then cdc upgrade again`,
    );
  }
  return { dropLeftoverSlot };
}
