import { formatLsn, parseLsn } from './lsn.js';
import { parseSnapshot, type Snapshot } from './snapshot.js';

/**
 * Where WAL capture of a table takes over from its trigger log (captured_tables.wal_boundary),
 * written in the same transaction that removes the triggers:
 *  - `start`: the slot's consistent point; the first stream starts there;
 *  - `delivered`: the snapshot of the trigger source's last read round. Every log row visible
 *    in it was delivered by trigger capture, so the WAL source skips those transactions; the
 *    rest of the log was dropped with it, and those transactions come from the WAL;
 *  - `deliveredBefore`: an LSN taken after that snapshot. Any transaction it shows committed has
 *    its commit record before this LSN, so later transactions need no visibility test at all
 *    (and a 32-bit xid never has to be widened far from the snapshot).
 */
export interface WalBoundary {
  start: bigint;
  delivered: Snapshot | null;
  deliveredBefore: bigint;
}

interface Stored {
  start: string;
  delivered: string | null;
  delivered_before: string;
}

export function formatBoundary(start: bigint, delivered: string | null, deliveredBefore: bigint): string {
  const s: Stored = { start: formatLsn(start), delivered, delivered_before: formatLsn(deliveredBefore) };
  return JSON.stringify(s);
}

export function parseBoundary(text: string | null): WalBoundary | null {
  if (!text) return null;
  const s = JSON.parse(text) as Stored;
  return {
    start: parseLsn(s.start),
    delivered: s.delivered ? parseSnapshot(s.delivered) : null,
    deliveredBefore: parseLsn(s.delivered_before),
  };
}
