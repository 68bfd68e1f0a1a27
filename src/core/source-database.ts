import type { CaptureMode } from './change-event.js';
import type { ChangeSource, TableStatus } from './change-source.js';
import type { SequenceStore } from './sequence-store.js';
import type { TableRef } from './table-ref.js';
import type { ChangeHistory, RetentionSetting } from './change-history.js';
import type { Logger } from './logger.js';
import type { SnapshotTarget } from './snapshot.js';
import type { TableSpec } from './table-spec.js';

export type Dialect = 'postgres' | 'mysql' | 'mongodb';

export interface InstallOptions {
  /** Required for a table without a primary key; must name columns that identify a row. */
  keyColumns?: string[];
}

export interface InstallResult {
  table: string;
  /** false when everything was already installed exactly like this (idempotent re-run). */
  changed: boolean;
  keyColumns: string[];
}

export interface UpgradeResult {
  table: string;
  from: CaptureMode;
  to: CaptureMode;
  /**
   * 'requested': a running `cdc run` performs the switch at an exact boundary;
   * 'done': nothing was streaming the table, so the switch took effect at once.
   */
  state: 'requested' | 'done';
}

/** One recorded version of a captured table's columns (`cdc schema`). */
export interface SchemaVersionInfo {
  version: number;
  /** In column order; `type` is the database's own spelling (format_type / COLUMN_TYPE). */
  columns: { name: string; type: string; nullable: boolean }[];
  /** ISO-8601 UTC. */
  recordedAt: string;
}

export interface CapturedTableInfo {
  table: TableRef;
  qualifiedName: string;
  keyColumns: string[];
  mode: CaptureMode;
}

/**
 * One source database as the trigger pipeline sees it (PostgreSQL or MySQL/MariaDB). Installation
 * is a lifecycle step of its own, separate from streaming: `install` / `uninstall` change the
 * user's database, `openSource` only reads (and prunes) what the triggers wrote.
 *
 * Every method validates its input before changing anything: an unknown table, a table without a
 * key, or a bad key column throws UserInputError and leaves the database as it was.
 */
export interface SourceDatabase {
  readonly dialect: Dialect;
  /** The database name; the default source_id. */
  readonly databaseName: string;
  /** Schema used for unqualified table names: `public` (PostgreSQL) or the connected database (MySQL). */
  readonly defaultSchema: string;
  /** Creates or upgrades cdc's own objects (migrations/<dialect>); idempotent, safe concurrently. */
  migrate(): Promise<void>;
  /**
   * Validates everything `install` would check (table exists, key, privileges) and changes
   * nothing, so a multi-table install can refuse bad input before touching any table.
   */
  checkInstall(table: TableRef, options: InstallOptions): Promise<void>;
  /** Creates cdc's own objects first if needed (after validating); idempotent. */
  install(table: TableRef, options: InstallOptions): Promise<InstallResult>;
  /** Removes the table's triggers and change log; true if there was anything to remove. */
  uninstall(table: TableRef): Promise<boolean>;
  /**
   * Moves a captured table to another capture mode (trigger ↔ wal/binlog) with an exact boundary:
   * every change is emitted exactly once across the switch, in order per row. Validates the server
   * settings first (one-line UserInputError, nothing changed). Absent where only triggers exist.
   */
  upgrade?(table: TableRef, to: CaptureMode): Promise<UpgradeResult>;
  listCaptured(): Promise<CapturedTableInfo[]>;
  /**
   * The table's recorded schema versions, oldest first; the last one is what events carry now.
   * Throws UserInputError for a table that is not captured. Versions set before the history
   * existed (migration 003) are missing. Absent where nothing records a history.
   */
  schemaHistory?(table: TableRef): Promise<SchemaVersionInfo[]>;
  /**
   * Keeps (seconds) or stops keeping (null) a trigger-captured table's acknowledged changes for
   * replay; stored with the table, so every `cdc run` honours it. Stopping deletes the history.
   * Throws UserInputError for a table not captured by triggers. Absent where nothing retains.
   */
  setRetention?(table: TableRef, retainSeconds: number | null): Promise<RetentionSetting | null>;
  /** The table's retained history; UserInputError when the table is unknown or keeps none. */
  openHistory?(table: TableRef): Promise<ChangeHistory>;
  openSource(table: TableRef, ctx: { logger: Logger }): ChangeSource;
  /**
   * The table's columns with their declared types, for formats that encode by type (Debezium).
   * Called when a table's schema version changes, never on the hot path. Absent where the adapter
   * does not describe tables; such events are encoded from their canonical values alone.
   */
  describeTable?(table: TableRef): Promise<TableSpec>;
  /**
   * The table's initial snapshot (docs/snapshots.md), run by src/snapshot/run-snapshot.ts. Throws
   * UserInputError for a table that is not captured. Absent where the adapter has no snapshots.
   */
  snapshotTarget?(table: TableRef): Promise<SnapshotTarget>;
  status(): Promise<TableStatus[]>;
  readonly sequences: SequenceStore;
  close(): Promise<void>;
}
