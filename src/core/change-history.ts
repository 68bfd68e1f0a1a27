import type { CapturedChange } from './change-event.js';

/**
 * Retained change-log history (trigger capture with retention, docs/replay.md "From the change
 * history"): the rows the sink acknowledged, kept with what their events carried, so a replay
 * rebuilds the very same events.
 */

/** A table's retention setting, as stored with the table in cdc's registry. */
export interface RetentionSetting {
  /** How long acknowledged changes are kept, by the time they happened at the source. */
  retainSeconds: number;
  /**
   * When the first `cdc run` with this setting started keeping history (ISO-8601 UTC), or null
   * while none has yet: changes that happened before it were delivered without being kept.
   */
  since: string | null;
}

/** One retained change, with the numbers its event carried when it was delivered. */
export interface RetainedChange {
  change: CapturedChange;
  sequence: bigint;
  schemaVersion: number;
}

/** [from, to) in nanoseconds since the epoch, on the change's own time (as src/replay/window.ts). */
export interface HistoryWindow {
  from: bigint;
  to: bigint;
}

export interface ChangeHistory {
  readonly retention: RetentionSetting;
  /**
   * Calls `onChanges` with the retained changes whose time may fall in `window`, in the order they
   * were delivered (sequence_number), page by page, all read from one consistent snapshot so the
   * pruner cannot remove rows half-way. Callers filter on the exact (nanosecond) window.
   */
  read(window: HistoryWindow, onChanges: (changes: RetainedChange[]) => Promise<void>): Promise<void>;
}
