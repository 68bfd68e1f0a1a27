import type { TableStatus } from '../core/change-source.js';
import type { SnapshotProgress } from '../core/snapshot.js';
import { percentDone } from './run-snapshot.js';

/** Attaches each table's snapshot progress to its status row (by qualified name). */
export function withSnapshots(statuses: TableStatus[], snapshots: readonly SnapshotProgress[]): TableStatus[] {
  const byTable = new Map(snapshots.map((s) => [s.table, s]));
  return statuses.map((s) => {
    const snapshot = byTable.get(s.table);
    return snapshot ? { ...s, snapshot } : s;
  });
}

/** `running 45% (90000/200000 rows)`, `done (200000 rows)`, or `-`. */
export function describeSnapshot(p: SnapshotProgress | undefined): string {
  if (!p) return '-';
  if (p.state === 'done') return `done (${p.rowsDone} rows)`;
  const of = p.rowsEstimate > 0 ? `/~${p.rowsEstimate}` : '';
  return `running ${percentDone(p)}% (${p.rowsDone}${of} rows)`;
}
