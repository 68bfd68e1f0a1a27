import type { MysqlQueryable } from '../driver.js';

export type SwitchTarget = 'binlog' | 'trigger';

/** See migrations/mysql/002_mode_switches.sql for the phases of each direction. */
export type SwitchPhase = 'requested' | 'cleanup' | 'installing' | 'installed' | 'boundary';

export interface ModeSwitch {
  target: SwitchTarget;
  phase: SwitchPhase;
  /** binlog → trigger, from phase 'boundary': the coordinate the binlog stream stops at. */
  boundary: string | null;
  requestedAt: string;
}

const missingTable = (err: unknown): boolean => (err as { code?: string } | null)?.code === 'ER_NO_SUCH_TABLE';

/** The pending switch of a table; null when none (also before migration 002). */
export async function getSwitch(q: MysqlQueryable, tableName: string): Promise<ModeSwitch | null> {
  try {
    const [row] = await q.rows<{ target: SwitchTarget; phase: SwitchPhase; boundary: string | null; requested_at: string }>(
      'SELECT target, phase, boundary, requested_at FROM cdc_mode_switches WHERE table_name = ?',
      [tableName],
    );
    return row ? { target: row.target, phase: row.phase, boundary: row.boundary, requestedAt: String(row.requested_at) } : null;
  } catch (err) {
    if (missingTable(err)) return null;
    throw err;
  }
}

/** Every pending switch by table, for `cdc status`. */
export async function listSwitches(q: MysqlQueryable): Promise<Map<string, ModeSwitch>> {
  try {
    const rows = await q.rows<{ table_name: string; target: SwitchTarget; phase: SwitchPhase; boundary: string | null; requested_at: string }>(
      'SELECT table_name, target, phase, boundary, requested_at FROM cdc_mode_switches',
    );
    return new Map(rows.map((r) => [r.table_name, { target: r.target, phase: r.phase, boundary: r.boundary, requestedAt: String(r.requested_at) }]));
  } catch (err) {
    if (missingTable(err)) return new Map();
    throw err;
  }
}

export async function insertSwitch(q: MysqlQueryable, tableName: string, target: SwitchTarget, phase: SwitchPhase): Promise<void> {
  await q.exec(
    `INSERT INTO cdc_mode_switches (table_name, target, phase, boundary, requested_at, updated_at)
     VALUES (?, ?, ?, NULL, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))`,
    [tableName, target, phase],
  );
}

/**
 * Moves a switch from one phase to the next, only if it is still in `from` (a concurrent
 * process may have moved it on); returns whether it did.
 */
export async function advanceSwitch(
  q: MysqlQueryable,
  tableName: string,
  target: SwitchTarget,
  from: SwitchPhase,
  to: SwitchPhase,
  boundary: string | null = null,
): Promise<boolean> {
  const { affectedRows } = await q.exec(
    `UPDATE cdc_mode_switches SET phase = ?, boundary = COALESCE(?, boundary), updated_at = UTC_TIMESTAMP(6)
      WHERE table_name = ? AND target = ? AND phase = ?`,
    [to, boundary, tableName, target, from],
  );
  return affectedRows === 1;
}

export async function deleteSwitch(q: MysqlQueryable, tableName: string): Promise<void> {
  try {
    await q.exec('DELETE FROM cdc_mode_switches WHERE table_name = ?', [tableName]);
  } catch (err) {
    if (!missingTable(err)) throw err;
  }
}

/** Sets the registry's capture mode, only from the expected one; returns whether it did. */
export async function setMode(q: MysqlQueryable, tableName: string, from: SwitchTarget, to: SwitchTarget): Promise<boolean> {
  const { affectedRows } = await q.exec('UPDATE cdc_captured_tables SET mode = ? WHERE table_name = ? AND mode = ?', [to, tableName, from]);
  return affectedRows === 1;
}
