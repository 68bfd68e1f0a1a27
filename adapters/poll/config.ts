import { UserInputError } from '../../src/core/errors';

/**
 * What `cdc install-poll` records for one table, in the state store (never in the source). Read by
 * `cdc run` to open a poll source and by `cdc status`. Field names are stored as JSON: keep them.
 */
export interface PollRegistration {
  /** Qualified name as the contract spells it: `public.users`, `shop.users`. */
  table: string;
  schema: string;
  name: string;
  /** The change-stamp column: a timestamp written by the application in every INSERT and UPDATE. */
  column: string;
  /** Optional creation-stamp column; tells INSERT from UPDATE more precisely (docs/polling.md). */
  createdColumn: string | null;
  keyColumns: string[];
  safetyLagMs: number;
  reconcileEveryMs: number;
  /** Keys per reconciliation chunk (one checksum query each). */
  chunkSize: number;
  /**
   * The database clock when the table was registered, as the column's own text. Rows whose stamp
   * is older were unchanged since registration: they are emitted as SNAPSHOT.
   */
  registeredAt: string;
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
  return Math.round(Number(m[1]) * factor);
}

/** Two registrations describe the same capture (re-running install-poll with them changes nothing). */
export function sameRegistration(a: PollRegistration, b: Omit<PollRegistration, 'registeredAt'>): boolean {
  return (
    a.column === b.column &&
    a.createdColumn === b.createdColumn &&
    a.keyColumns.join('\u0000') === b.keyColumns.join('\u0000') &&
    a.safetyLagMs === b.safetyLagMs &&
    a.reconcileEveryMs === b.reconcileEveryMs &&
    a.chunkSize === b.chunkSize
  );
}
