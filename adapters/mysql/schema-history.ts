import type { MysqlQueryable } from './driver.js';
import type { ColumnInfo } from './introspect.js';

/**
 * cdc_schema_versions (migration 003): the columns of every schema_version a table had, written
 * in the same transaction that sets or bumps cdc_captured_tables.schema_version, so a version an
 * event carries is always queryable (`cdc schema`).
 */
export interface ColumnDefinition {
  name: string;
  /** COLUMN_TYPE as the server prints it: `decimal(12,2)`, `varchar(20)`. */
  type: string;
  nullable: boolean;
}

export interface SchemaVersionRow {
  version: number;
  columns: ColumnDefinition[];
  recordedAt: string;
}

export function historyColumns(columns: readonly ColumnInfo[]): ColumnDefinition[] {
  return columns.map((c) => ({ name: c.name, type: c.columnType, nullable: c.nullable ?? true }));
}

/**
 * Writes the history row of `version`. Version numbers restart after an uninstall, so an existing
 * row is replaced when its columns differ; an unchanged one keeps its recorded_at (assignments in
 * ON DUPLICATE KEY UPDATE run left to right, hence recorded_at first).
 */
export async function recordSchemaVersion(q: MysqlQueryable, tableName: string, version: number, columns: ColumnDefinition[]): Promise<void> {
  await q.exec(
    `INSERT INTO cdc_schema_versions (table_name, version, columns, recorded_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6))
     ON DUPLICATE KEY UPDATE recorded_at = IF(columns = VALUES(columns), recorded_at, VALUES(recorded_at)), columns = VALUES(columns)`,
    [tableName, version, JSON.stringify(columns)],
  );
}

/**
 * A captured table's recorded versions, oldest first; null when the table is not captured (also
 * before the first migration). Versions above the current one belong to an earlier install.
 */
export async function schemaVersions(q: MysqlQueryable, tableName: string): Promise<SchemaVersionRow[] | null> {
  try {
    const rows = await q.rows<{ version: number | string | null; columns: string | null; recorded_at: string | null }>(
      `SELECT h.version AS version, h.columns AS columns, DATE_FORMAT(h.recorded_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS recorded_at
         FROM cdc_captured_tables c
         LEFT JOIN cdc_schema_versions h ON h.table_name = c.table_name AND h.version <= c.schema_version
        WHERE c.table_name = ?
        ORDER BY h.version`,
      [tableName],
    );
    if (rows.length === 0) return null;
    return rows
      .filter((r) => r.version !== null)
      .map((r) => ({ version: Number(r.version), columns: JSON.parse(String(r.columns)) as ColumnDefinition[], recordedAt: String(r.recorded_at) }));
  } catch (err) {
    if ((err as { code?: string } | null)?.code === 'ER_NO_SUCH_TABLE') return null;
    throw err;
  }
}
