import type { CaptureMode } from '../../src/core/change-event.js';
import type { PgQueryable } from './driver.js';
import type { ColumnDefinition } from './introspect.js';

/** cdc.captured_tables: which tables have capture installed, and how. */
export interface CapturedTableRow {
  tableName: string;
  schema: string;
  name: string;
  keyColumns: string[];
  logTable: string;
  generation: string;
  definitionHash: string;
  schemaVersion: number;
  columnSignature: string | null;
  /** The capture mode the table is in now (`cdc run` picks its source by it). */
  mode: CaptureMode;
  /** Set by `cdc upgrade` until the running source has switched (migration 002). */
  pendingMode: CaptureMode | null;
  walSlot: string | null;
  walPublication: string | null;
  /** JSON owned by adapters/postgres/wal/boundary.ts. */
  walBoundary: string | null;
  /** JSON owned by adapters/postgres/upgrade/. */
  switchRequest: string | null;
}

// Arrays and uuids travel as JSON/text so pg and PGlite return the same shapes.
const SELECT_CAPTURED = `
  SELECT table_name, schema_name, relation_name, array_to_json(key_columns)::text AS key_columns,
         log_table, generation::text AS generation, definition_hash, schema_version::int AS schema_version,
         column_signature, mode, pending_mode, wal_slot, wal_publication, wal_boundary, switch_request
    FROM cdc.captured_tables`;

function toRow(r: Record<string, unknown>): CapturedTableRow {
  return {
    tableName: String(r.table_name),
    schema: String(r.schema_name),
    name: String(r.relation_name),
    keyColumns: JSON.parse(String(r.key_columns)) as string[],
    logTable: String(r.log_table),
    generation: String(r.generation),
    definitionHash: String(r.definition_hash),
    schemaVersion: Number(r.schema_version),
    columnSignature: r.column_signature == null ? null : String(r.column_signature),
    mode: String(r.mode) as CaptureMode,
    pendingMode: r.pending_mode == null ? null : (String(r.pending_mode) as CaptureMode),
    walSlot: textOrNull(r.wal_slot),
    walPublication: textOrNull(r.wal_publication),
    walBoundary: textOrNull(r.wal_boundary),
    switchRequest: textOrNull(r.switch_request),
  };
}

function textOrNull(v: unknown): string | null {
  return v == null ? null : String(v);
}

/** Whether this database was ever set up for trigger capture (cdc's migrations ran here). */
export async function hasCaptureCatalog(q: PgQueryable): Promise<boolean> {
  const { rows } = await q.query<{ present: boolean }>(`SELECT to_regclass('cdc.captured_tables') IS NOT NULL AS present`);
  return rows[0]?.present === true;
}

export async function getCaptured(q: PgQueryable, tableName: string): Promise<CapturedTableRow | null> {
  const { rows } = await q.query(`${SELECT_CAPTURED} WHERE table_name = $1`, [tableName]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function listCapturedRows(q: PgQueryable): Promise<CapturedTableRow[]> {
  const { rows } = await q.query(`${SELECT_CAPTURED} ORDER BY table_name`);
  return rows.map(toRow);
}

/** The registry fields install writes; the WAL fields belong to adapters/postgres/upgrade. */
export type InstalledFields = Omit<CapturedTableRow, 'schemaVersion' | 'mode' | 'pendingMode' | 'walSlot' | 'walPublication' | 'walBoundary' | 'switchRequest'>;

/**
 * Writes the history row of the version the statement before it set (migration 003). Appended to
 * the registry write as a data-modifying CTE, so version and history commit in one statement.
 * Version numbers restart after an uninstall, so an existing row is replaced when its columns
 * differ; an unchanged one keeps its recorded_at.
 */
const RECORD_HISTORY = `
  INSERT INTO cdc.schema_versions AS h (table_name, version, columns)
  SELECT table_name, schema_version, $COLUMNS::jsonb FROM up
  ON CONFLICT (table_name, version) DO UPDATE SET columns = EXCLUDED.columns, recorded_at = now()
    WHERE h.columns IS DISTINCT FROM EXCLUDED.columns`;

/**
 * Insert or replace the registry row; schema_version survives a re-install and is bumped when the
 * columns changed. The history row of the resulting version is written in the same statement.
 */
export async function upsertCaptured(q: PgQueryable, row: InstalledFields, columns: ColumnDefinition[]): Promise<void> {
  await q.query(
    `WITH up AS (
       INSERT INTO cdc.captured_tables
         (table_name, schema_name, relation_name, key_columns, log_table, generation, mode, installed_at,
          definition_hash, column_signature)
       VALUES ($1, $2, $3, $4::text[], $5, $6::uuid, 'trigger', now(), $7, $8)
       ON CONFLICT (table_name) DO UPDATE SET
         schema_name = EXCLUDED.schema_name, relation_name = EXCLUDED.relation_name,
         key_columns = EXCLUDED.key_columns, log_table = EXCLUDED.log_table,
         generation = EXCLUDED.generation, mode = 'trigger', installed_at = now(),
         definition_hash = EXCLUDED.definition_hash,
         schema_version = cdc.captured_tables.schema_version
           + CASE WHEN cdc.captured_tables.column_signature IS DISTINCT FROM EXCLUDED.column_signature THEN 1 ELSE 0 END,
         column_signature = EXCLUDED.column_signature
       RETURNING table_name, schema_version)
     ${RECORD_HISTORY.replace('$COLUMNS', '$9')}`,
    [row.tableName, row.schema, row.name, row.keyColumns, row.logTable, row.generation, row.definitionHash, row.columnSignature, JSON.stringify(columns)],
  );
}

export async function deleteCaptured(q: PgQueryable, tableName: string): Promise<boolean> {
  // The kept history goes with the table: a re-install starts a new generation without retention.
  await q.query('DELETE FROM cdc.change_history WHERE table_name = $1', [tableName]);
  // So does its snapshot progress: a re-installed table is snapshotted again (`snapshot: initial`).
  await q.query('DELETE FROM cdc.snapshots WHERE table_name = $1', [tableName]);
  const r = await q.query('DELETE FROM cdc.captured_tables WHERE table_name = $1', [tableName]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * Records the current column signature; returns the schema version, bumped if the columns changed.
 * The version's history row is written in the same statement, so a version an event carries is
 * always queryable (`cdc schema`).
 */
export async function recordColumns(q: PgQueryable, tableName: string, signature: string, columns: ColumnDefinition[]): Promise<number | null> {
  const { rows } = await q.query<{ v: number }>(
    `WITH up AS (
       UPDATE cdc.captured_tables
          SET schema_version = schema_version + CASE WHEN column_signature IS NULL OR column_signature = $2 THEN 0 ELSE 1 END,
              column_signature = $2
        WHERE table_name = $1
        RETURNING table_name, schema_version),
     history AS (${RECORD_HISTORY.replace('$COLUMNS', '$3')})
     SELECT schema_version::int AS v FROM up`,
    [tableName, signature, JSON.stringify(columns)],
  );
  return rows[0] ? Number(rows[0].v) : null;
}

/** The column names a recorded schema version describes, as JSON; null when it was not recorded. */
export async function recordedNames(q: PgQueryable, tableName: string, version: number): Promise<string | null> {
  const { rows } = await q.query<{ names: string | null }>(
    `SELECT (SELECT json_agg(c->>'name' ORDER BY o) FROM jsonb_array_elements(columns) WITH ORDINALITY AS e(c, o))::text AS names
       FROM cdc.schema_versions WHERE table_name = $1 AND version = $2`,
    [tableName, version],
  );
  const names = rows[0]?.names;
  return names ? JSON.stringify(JSON.parse(names) as string[]) : null;
}

export interface SchemaVersionRow {
  version: number;
  columns: ColumnDefinition[];
  recordedAt: string;
}

/**
 * A captured table's recorded versions, oldest first; null when the table is not captured.
 * Versions above the current one are left out: they belong to an install before an uninstall.
 */
export async function schemaVersions(q: PgQueryable, tableName: string): Promise<SchemaVersionRow[] | null> {
  const { rows } = await q.query<{ version: number | null; columns: string | null; recorded_at: string | null }>(
    `SELECT h.version::int AS version, h.columns::text AS columns,
            to_char(h.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at
       FROM cdc.captured_tables c
       LEFT JOIN cdc.schema_versions h ON h.table_name = c.table_name AND h.version <= c.schema_version
      WHERE c.table_name = $1
      ORDER BY h.version`,
    [tableName],
  );
  if (rows.length === 0) return null;
  return rows
    .filter((r) => r.version !== null)
    .map((r) => ({ version: Number(r.version), columns: JSON.parse(String(r.columns)) as ColumnDefinition[], recordedAt: String(r.recorded_at) }));
}

/** Makes sure the checkpoint row exists (sequence reservations live there too). */
export async function ensureCheckpointRow(q: PgQueryable, tableName: string, mode: CaptureMode): Promise<void> {
  await q.query(
    `INSERT INTO cdc.checkpoints (table_name, mode) VALUES ($1, $2)
     ON CONFLICT (table_name) DO UPDATE SET mode = COALESCE(cdc.checkpoints.mode, EXCLUDED.mode)`,
    [tableName, mode],
  );
}

/** Uninstall: forget the position but keep seq_reserved, so sequence numbers never go backwards. */
export async function clearCheckpoint(q: PgQueryable, tableName: string, mode: CaptureMode): Promise<void> {
  await q.query(
    `UPDATE cdc.checkpoints SET position = NULL, mode = NULL, updated_at = now() WHERE table_name = $1 AND mode = $2`,
    [tableName, mode],
  );
}
