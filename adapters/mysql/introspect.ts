import { createHash } from 'node:crypto';
import type { TableRef } from '../../src/core/table-ref.js';
import type { MysqlQueryable } from './driver.js';
import { columnKind, type CanonicalColumn } from './types/canonical.js';

export interface ColumnInfo extends CanonicalColumn {
  /** information_schema COLUMN_TYPE, e.g. `decimal(12,2)`, `bigint(20) unsigned`. */
  columnType: string;
  /** information_schema DATA_TYPE, e.g. `float`, `point` (the binlog decoder needs the subtype). */
  dataType: string;
  /** Declared decimals of FLOAT(M,D)/DOUBLE(M,D)/DECIMAL; null when none were declared. */
  numericScale: number | null;
  /** IS_NULLABLE; recorded in the schema history, not part of the signature. */
  nullable?: boolean;
}

export interface TableInfo {
  table: TableRef;
  /** BASE TABLE, VIEW, … */
  tableType: string;
  engine: string | null;
  columns: ColumnInfo[];
  primaryKey: string[];
}

/**
 * Reads a table's definition from information_schema with bound parameters; null when it does not
 * exist. Names compare with the server's own rules (case-sensitive table names on Linux).
 */
export async function describeTable(q: MysqlQueryable, table: TableRef): Promise<TableInfo | null> {
  const [t] = await q.rows<{ table_type: string; engine: string | null }>(
    `SELECT TABLE_TYPE AS table_type, ENGINE AS engine FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
    [table.schema, table.name],
  );
  if (!t) return null;
  const cols = await q.rows<{ name: string; data_type: string; column_type: string; fsp: string | number | null; scale: string | number | null; nullable: string }>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, DATETIME_PRECISION AS fsp,
            NUMERIC_SCALE AS scale, IS_NULLABLE AS nullable
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table.schema, table.name],
  );
  const jsonColumns = await jsonCheckedColumns(q, table);
  const pk = await q.rows<{ name: string }>(
    `SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
    [table.schema, table.name],
  );
  return {
    table,
    tableType: t.table_type,
    engine: t.engine,
    columns: cols.map((c) => ({
      name: c.name,
      columnType: c.column_type,
      dataType: c.data_type.toLowerCase(),
      numericScale: c.scale === null ? null : Number(c.scale),
      nullable: c.nullable === 'YES',
      kind: columnKind(c.data_type, jsonColumns.has(c.name)),
      fsp: c.fsp === null ? 0 : Number(c.fsp),
    })),
    primaryKey: pk.map((r) => r.name),
  };
}

/**
 * MariaDB's JSON is LONGTEXT plus a column CHECK (json_valid(`col`)) named after the column.
 * MySQL 8 reports JSON as its own DATA_TYPE; MySQL 5.7 has no CHECK_CONSTRAINTS table at all.
 */
async function jsonCheckedColumns(q: MysqlQueryable, table: TableRef): Promise<Set<string>> {
  try {
    const rows = await q.rows<{ name: string; clause: string }>(
      `SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`,
      [table.schema, table.name],
    );
    const out = new Set<string>();
    for (const r of rows) {
      const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(r.clause.trim());
      if (m) out.add(m[1]!.replaceAll('``', '`'));
    }
    return out;
  } catch (err) {
    // MySQL 8's CHECK_CONSTRAINTS has no TABLE_NAME column; MySQL 5.7 has no such table.
    const code = (err as { code?: string }).code;
    if (code === 'ER_BAD_FIELD_ERROR' || code === 'ER_UNKNOWN_TABLE' || code === 'ER_NO_SUCH_TABLE') return new Set();
    throw err;
  }
}

/**
 * Identifies the column set a trigger image was generated from. A re-install compares it to
 * decide whether the triggers must be regenerated and the schema version bumped.
 */
export function columnsSignature(columns: readonly ColumnInfo[]): string {
  const text = columns.map((c) => `${c.name}\u0000${c.columnType}\u0000${c.kind}`).join('\u0001');
  return createHash('sha1').update(text, 'utf8').digest('hex');
}
