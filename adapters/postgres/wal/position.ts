import type { AckToken } from '../../../src/core/change-source.js';
import type { PgQueryable } from '../driver.js';
import { formatLsn, parseLsn } from './lsn.js';

/**
 * Positions of the WAL source, opaque outside this folder (STYLE rule 5).
 *
 * A change is identified by its transaction's commit LSN and its ordinal within the transaction:
 * stable across redelivery (the server re-decodes the same transaction with the same LSNs), unique
 * forever (WAL positions never repeat), and ordered like the stream.
 */
export function walChangeId(commitLsn: bigint, ordinal: number): string {
  return `${formatLsn(commitLsn)}:${ordinal}`;
}

/** Where a change sits in the stream, for the read cursor and partial checkpoints. */
export interface ChangeRef {
  commit: bigint;
  ordinal: number;
}

export function after(a: ChangeRef, b: ChangeRef | null): boolean {
  return b === null || a.commit > b.commit || (a.commit === b.commit && a.ordinal > b.ordinal);
}

/**
 * The durable checkpoint (cdc.checkpoints.position while mode = 'wal'):
 *  - `resume`: restart streaming here; every transaction committing before it was delivered
 *    (and this is the LSN confirmed to the server, never more);
 *  - `partial`: a large transaction split over batches: its changes up to `ordinal` were
 *    delivered, the rest come again after a restart from `resume` and the delivered ones are
 *    dropped by their ordinal.
 */
export interface WalCheckpoint {
  resume: bigint;
  partial: ChangeRef | null;
}

export function formatWalCheckpoint(c: WalCheckpoint): string {
  return JSON.stringify({
    resume: formatLsn(c.resume),
    partial: c.partial ? { commit: formatLsn(c.partial.commit), ordinal: c.partial.ordinal } : null,
  });
}

export function parseWalCheckpoint(text: string | null): WalCheckpoint | null {
  if (!text) return null;
  try {
    const j = JSON.parse(text) as { resume?: string; partial?: { commit: string; ordinal: number } | null };
    if (typeof j.resume !== 'string') return null;
    return {
      resume: parseLsn(j.resume),
      partial: j.partial ? { commit: parseLsn(j.partial.commit), ordinal: Number(j.partial.ordinal) } : null,
    };
  } catch {
    return null;
  }
}

export async function readWalCheckpoint(q: PgQueryable, tableName: string): Promise<WalCheckpoint | null> {
  const { rows } = await q.query<{ position: string | null }>(
    `SELECT position FROM cdc.checkpoints WHERE table_name = $1 AND mode = 'wal'`,
    [tableName],
  );
  return parseWalCheckpoint(rows[0]?.position ?? null);
}

export async function writeWalCheckpoint(q: PgQueryable, tableName: string, c: WalCheckpoint): Promise<void> {
  await q.query(
    `INSERT INTO cdc.checkpoints AS c (table_name, mode, position, updated_at) VALUES ($1, 'wal', $2, now())
     ON CONFLICT (table_name) DO UPDATE SET mode = 'wal', position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
    [tableName, formatWalCheckpoint(c)],
  );
}

/** Acknowledges one batch: the checkpoint as it stands after the batch's last change. */
export class WalAck implements AckToken {
  constructor(
    readonly owner: object,
    readonly checkpoint: WalCheckpoint | null,
  ) {}
}
