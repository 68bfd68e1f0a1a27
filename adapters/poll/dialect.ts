import type { Row } from '../../src/core/change-event.js';
import type { Logger } from '../../src/core/logger.js';
import type { TableSpec } from '../../src/core/table-spec.js';
import type { TableRef } from '../../src/core/table-ref.js';
import type { PollColumnKind, PollRegistration } from './config.js';

/**
 * The per-dialect surface of polling (postgres.ts, mysql.ts): read-only queries with bound
 * parameters. Every value a caller sees is canonical (the type-fidelity mapping of the trigger
 * adapters), except `stamp`, which stays the database's own text of the change-stamp column so it
 * can be bound back without loss (microseconds, zone-less types, versions beyond 2^53).
 */

/** One row read by a poll page. */
export interface PolledRow {
  after: Row;
  /** Canonical key values in key-column order. */
  key: unknown[];
  stamp: string;
  /**
   * The event's timestamp, UTC ISO-8601 with microseconds: the stamp itself, or for a version
   * column (which carries no time) the database clock when the row was read.
   */
  eventTime: string;
  /** Stamp older than (version at most) registeredAt: unchanged since install-poll (SNAPSHOT). */
  beforeRegistration: boolean;
  /** created column > the read's reference stamp; null without a created column. */
  createdAfter: boolean | null;
  /**
   * Set when a value of the row is beyond the decoders' limits (src/core/lossless-json.ts): `after`
   * then holds the key columns only, and the change follows the oversize policy on its own.
   */
  failure?: string;
}

/** The position after which the next page starts: the last emitted (stamp, key). */
export interface Watermark {
  stamp: string;
  key: unknown[];
}

/** Stamps a page compares rows with, in the stamp column's text; null: before every row. */
export interface PageMarks {
  /** PollRegistration.registeredAt: rows up to it are SNAPSHOT rows. */
  registeredAt: string | null;
  /** The watermark stamp when the read started: a created column newer than it means INSERT. */
  reference: string | null;
}

export interface SafeUpper {
  /**
   * Upper bound of a read round, in the column's own text: exclusive for timestamps, inclusive
   * for versions. Null: nothing is safe to read yet (a version bound that has not settled).
   */
  upper: string | null;
  /** Start of the oldest open transaction that held the bound back (UTC ISO), if any. */
  heldBy: string | null;
}

export interface ChunkDigest {
  count: number;
  /** Decimal sum of the 60-bit key hashes (keys.ts keyHash). */
  sum: string;
  /** The chunk's last key. */
  last: unknown[];
}

export interface Backlog {
  /** Rows past the watermark, counted up to a cap. */
  rows: number;
  /** UTC ISO of the oldest such row; null when none, or for a version column (no time). */
  oldest: string | null;
}

/** One registered table on its source. */
export interface PolledTable {
  readonly keyColumns: readonly string[];
  /** Re-reads the column list (after ALTER TABLE); returns its signature. */
  refresh(): Promise<string>;
  /** The bound below which every stamp that will ever commit is already visible (docs/polling.md). */
  safeUpper(lagMs: number): Promise<SafeUpper>;
  /** PollRegistration.registeredAt: the clock (timestamp) or the highest version (version column). */
  registrationMark(): Promise<string | null>;
  /** The database clock as UTC ISO. */
  clockIso(): Promise<string>;
  /** `(stamp, key) > after AND stamp < upper (version: <=) ORDER BY stamp, key LIMIT limit`. */
  readPage(after: Watermark | null, upper: string, marks: PageMarks, limit: number): Promise<PolledRow[]>;
  /** Count and hash-sum of the next `size` keys after `after` in key order; null past the end. */
  chunk(after: readonly unknown[] | null, size: number): Promise<ChunkDigest | null>;
  /** Keys k with after < k ≤ upTo, in key order. */
  keysIn(after: readonly unknown[] | null, upTo: readonly unknown[]): Promise<unknown[][]>;
  /** Which of `keys` exist now. */
  present(keys: readonly (readonly unknown[])[]): Promise<unknown[][]>;
  backlog(after: Watermark | null, cap: number): Promise<Backlog>;
}

export interface ValidateOptions {
  column: string;
  columnKind: PollColumnKind;
  createdColumn: string | null;
  keyColumns?: string[];
}

export interface PollDialect {
  readonly kind: 'postgres' | 'mysql';
  readonly databaseName: string;
  readonly defaultSchema: string;
  /** `postgres://host:port/db` without credentials: the state store namespace of this source. */
  readonly location: string;
  /** Checks table, columns and key; returns the key columns. One-line UserInputError otherwise. */
  validate(table: TableRef, options: ValidateOptions): Promise<{ keyColumns: string[] }>;
  openTable(registration: PollRegistration, logger: Logger): Promise<PolledTable>;
  /**
   * Whether the trigger adapter's catalog exists in this database (read-only check), so `cdc run`
   * opens the trigger adapter, which creates its schema on open, only where it is already in use.
   */
  hasTriggerCatalog(): Promise<boolean>;
  /** Declared column types, for formats that encode by type (src/format/debezium). */
  describeTable(table: TableRef): Promise<TableSpec>;
  close(): Promise<void>;
}

/** `postgres://host:port/db` from a source URL: credentials and options never enter state keys. */
export function sourceLocation(url: string, kind: string, defaultPort: number, database: string): string {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return `${kind}://${host}:${u.port || defaultPort}/${database}`;
}

/** `2024-01-02 03:04:05.5+00` or `…Z` style UTC text → `2024-01-02T03:04:05.500000Z`. */
export function isoMicros(utcText: string): string {
  const m = /^(\d{4,}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(utcText);
  if (!m) return utcText;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}
