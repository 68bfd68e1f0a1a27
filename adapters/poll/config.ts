import { UserInputError } from '../../src/core/errors.js';
import { MAX_TIMER_MS, MAX_TIMER_TEXT } from '../../src/core/timers.js';

/**
 * What the polled column holds (docs/polling.md). `timestamp`: a change stamp from the database
 * clock. `version`: a number from one global monotonic source (a sequence, an auto-increment-like
 * counter), never a per-row counter (`version = version + 1`), which keyset polling cannot follow.
 * Explicit rather than inferred from the column type, so registering asserts the source is global.
 */
export const COLUMN_KINDS = ['timestamp', 'version'] as const;
export type PollColumnKind = (typeof COLUMN_KINDS)[number];

/**
 * What `cdc install-poll` records for one table, in the state store (never in the source). Read by
 * `cdc run` to open a poll source and by `cdc status`. Field names are stored as JSON: keep them.
 */
export interface PollRegistration {
  /** Qualified name as the contract spells it: `public.users`, `shop.users`. */
  table: string;
  schema: string;
  name: string;
  /** The change-stamp column, written by the application in every INSERT and UPDATE. */
  column: string;
  /** Absent in registrations recorded before version columns existed: read as `timestamp`. */
  columnKind: PollColumnKind;
  /** Optional creation-stamp column of the same type; tells INSERT from UPDATE more precisely (docs/polling.md). */
  createdColumn: string | null;
  keyColumns: string[];
  safetyLagMs: number;
  reconcileEveryMs: number;
  /** Keys per reconciliation chunk (one checksum query each). */
  chunkSize: number;
  /**
   * Where registration left the column, as the column's own text. Timestamp: the database clock
   * (older stamps are SNAPSHOT rows). Version: the highest version then (versions up to it are
   * SNAPSHOT rows); null when the table was empty.
   */
  registeredAt: string | null;
}

export const POLL_DEFAULTS = {
  safetyLagMs: 5_000,
  reconcileEveryMs: 60_000,
  chunkSize: 1_000,
  /** Reconciliation chunks checked per tick at most, so one tick never scans a whole large table. */
  chunksPerTick: 20,
  /** How long another process's claim on a table lasts without renewal (SIGKILL → takeover delay). */
  leaseMs: 5_000,
  /** Column types are re-read at most this often (ALTER TABLE → new schema_version). */
  columnsRefreshMs: 5_000,
} as const;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;

/** `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds → milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new UserInputError(`${flag} must be a duration like 500ms, 5s or 2m, got ${JSON.stringify(text)}`);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  const ms = Math.round(Number(m[1]) * factor);
  if (ms > MAX_TIMER_MS) throw new UserInputError(`${flag} must be at most ${MAX_TIMER_TEXT}, got ${JSON.stringify(text)}`);
  return ms;
}

/** Two registrations describe the same capture (re-running install-poll with them changes nothing). */
export function sameRegistration(a: PollRegistration, b: Omit<PollRegistration, 'registeredAt'>): boolean {
  return (
    a.column === b.column &&
    a.columnKind === b.columnKind &&
    a.createdColumn === b.createdColumn &&
    a.keyColumns.join('\u0000') === b.keyColumns.join('\u0000') &&
    a.safetyLagMs === b.safetyLagMs &&
    a.reconcileEveryMs === b.reconcileEveryMs &&
    a.chunkSize === b.chunkSize
  );
}
