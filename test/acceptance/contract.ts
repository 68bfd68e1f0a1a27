import type { CliResult } from '../helpers/cli.js';
import type { CommittedChange } from '../helpers/workload.js';

/**
 * What a capture mode provides to the acceptance suite (suite.ts): the hooks of kysely's DIALECTS
 * entries, for one table (`hot`, the workload's) under capture.
 */

/**
 * What a mode's events promise about the changes they carry:
 * - `every-change`: every committed change once (before redelivery), in per-row commit order,
 *   with full row images (trigger, wal, binlog);
 * - `every-change-lookup`: every change once, in per-row order, but an UPDATE's image is the
 *   document when cdc read it (MongoDB's updateLookup) and a DELETE's is the key only (oplog);
 * - `final-state`: the rows' latest states and their deletes (poll: a row changed twice between
 *   two polls is seen once).
 */
export type Delivery = 'every-change' | 'every-change-lookup' | 'final-state';

/** One row of the workload table as the test compares it: source row and replica row alike. */
export interface Row {
  id: number;
  v: number;
  tok: string;
}

export interface ModeTarget {
  /** The table as events and topics name it (public.hot, <db>.hot). */
  table: string;
  /** Arguments every cdc command of this target takes (the source, and the state store for poll). */
  args: string[];
  /** Puts `hot` under capture in this mode; `runArgs` starts a `cdc run` when the mode needs one to switch. */
  install(runArgs: string[]): Promise<void>;
  /** `n` rows inserted while nothing streams: the backlog the first run is killed in. */
  bulkInsert(n: number): Promise<CommittedChange[]>;
  /** Concurrent writers until `stop` aborts; returns what committed. */
  workload(stop: AbortSignal): Promise<CommittedChange[]>;
  /** The source table now, by key. */
  rows(): Promise<Map<number, Row>>;
  /** The row an event's image describes, or null for a key-only image. */
  image(value: any): Row | null;
  /** The key of an event. */
  key(value: any): number;
  uninstall(): Promise<CliResult>;
  /** Everything of cdc's that names the table: objects, registry rows, slots, state keys. */
  leftovers(): Promise<string[]>;
  drop(): Promise<void>;
}

export interface CaptureModeCase {
  name: string;
  mode: 'trigger' | 'poll' | 'wal' | 'binlog' | 'oplog';
  delivery: Delivery;
  open(): Promise<ModeTarget>;
}

