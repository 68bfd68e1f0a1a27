import type { CaptureMode } from '../../../src/core/change-event.js';
import type { UpgradeResult } from '../../../src/core/source-database.js';

/**
 * PostgreSQL switches are always performed by the running source (`requested`): the rows still in
 * the trigger log, or the WAL before the marker, must reach the sink first, and only `cdc run` has
 * the sink. A table already in the asked-for mode is `done`.
 */
export function requested(table: string, from: CaptureMode, to: CaptureMode): UpgradeResult {
  return { table, from, to, state: 'requested' };
}

export function alreadyDone(table: string, mode: CaptureMode): UpgradeResult {
  return { table, from: mode, to: mode, state: 'done' };
}
