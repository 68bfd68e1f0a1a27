import type { TableRef } from '../../src/core/table-ref.js';
import type { MysqlQueryable } from './driver.js';

/** One row of cdc_captured_tables: what install created for a table. */
export interface CapturedTable {
  tableName: string;
  table: TableRef;
  keyColumns: string[];
  logTable: string;
  generation: string;
  schemaVersion: number;
  columnsSignature: string;
  /** 'trigger' or 'binlog' (docs/mysql-binlog.md); install never changes it. */
  mode: string;
}

interface RegistryRow {
  table_name: string;
  db: string;
  relation: string;
  key_columns: string;
  log_table: string;
  generation: string;
  schema_version: number | string;
  columns_signature: string;
  mode?: string;
}

const COLUMNS = 'table_name, db, relation, key_columns, log_table, generation, schema_version, columns_signature';
const SELECTED = `${COLUMNS}, mode`;

function fromRow(r: RegistryRow): CapturedTable {
  return {
    tableName: r.table_name,
    table: { schema: r.db, name: r.relation },
    keyColumns: JSON.parse(r.key_columns) as string[],
    logTable: r.log_table,
    generation: r.generation,
    schemaVersion: Number(r.schema_version),
    columnsSignature: r.columns_signature,
    mode: r.mode ?? 'trigger',
  };
}

const missingTable = (err: unknown): boolean => (err as { code?: string } | null)?.code === 'ER_NO_SUCH_TABLE';

/** The registry row of a table; null when not captured (also before the first migration). */
export async function getCaptured(q: MysqlQueryable, tableName: string): Promise<CapturedTable | null> {
  try {
    const [row] = await q.rows<RegistryRow>(`SELECT ${SELECTED} FROM cdc_captured_tables WHERE table_name = ?`, [tableName]);
    return row ? fromRow(row) : null;
  } catch (err) {
    if (missingTable(err)) return null;
    throw err;
  }
}

/** Every captured table; empty (not an error) before the first migration. */
export async function listCaptured(q: MysqlQueryable): Promise<CapturedTable[]> {
  try {
    const rows = await q.rows<RegistryRow>(`SELECT ${SELECTED} FROM cdc_captured_tables ORDER BY table_name`);
    return rows.map(fromRow);
  } catch (err) {
    if (missingTable(err)) return [];
    throw err;
  }
}

export async function saveCaptured(q: MysqlQueryable, t: Omit<CapturedTable, 'mode'>): Promise<void> {
  await q.exec(
    `INSERT INTO cdc_captured_tables (${COLUMNS}, mode, installed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'trigger', UTC_TIMESTAMP(6))
     ON DUPLICATE KEY UPDATE db = VALUES(db), relation = VALUES(relation), key_columns = VALUES(key_columns),
       log_table = VALUES(log_table), generation = VALUES(generation), schema_version = VALUES(schema_version),
       columns_signature = VALUES(columns_signature), installed_at = VALUES(installed_at)`,
    [t.tableName, t.table.schema, t.table.name, JSON.stringify(t.keyColumns), t.logTable, t.generation, t.schemaVersion, t.columnsSignature],
  );
}

/**
 * Forgets a table: its registry row, its retention and kept history, and its checkpoint position. The checkpoint row itself stays
 * with its reserved sequence numbers, so a later re-install continues the table's sequence.
 */
export async function forgetCaptured(q: MysqlQueryable, tableName: string): Promise<void> {
  try {
    await q.exec('DELETE FROM cdc_captured_tables WHERE table_name = ?', [tableName]);
    await q.exec('DELETE FROM cdc_mode_switches WHERE table_name = ?', [tableName]).catch((err) => {
      if (!missingTable(err)) throw err;
    });
    // Retention, kept history and snapshot progress go with the table (migrations 004–006; absent
    // before they ran): a re-installed table is snapshotted again with `snapshot: initial`.
    for (const table of ['cdc_history_settings', 'cdc_change_history', 'cdc_snapshots', 'cdc_snapshot_rows']) {
      await q.exec(`DELETE FROM ${table} WHERE table_name = ?`, [tableName]).catch((err) => {
        if (!missingTable(err)) throw err;
      });
    }
    await q.exec('UPDATE cdc_checkpoints SET mode = NULL, position = NULL, updated_at = UTC_TIMESTAMP(6) WHERE table_name = ?', [tableName]);
  } catch (err) {
    if (!missingTable(err)) throw err;
  }
}

export interface StoredCheckpoint {
  mode: string | null;
  position: string | null;
  updatedAt: string | null;
}

export async function getCheckpoint(q: MysqlQueryable, tableName: string): Promise<StoredCheckpoint | null> {
  const [row] = await q.rows<{ mode: string | null; position: string | null; updated_at: string | null }>(
    'SELECT mode, position, updated_at FROM cdc_checkpoints WHERE table_name = ?',
    [tableName],
  );
  return row ? { mode: row.mode, position: row.position, updatedAt: row.updated_at } : null;
}

/** Records the last acknowledged position; called inside the ack transaction. */
export async function saveCheckpoint(q: MysqlQueryable, tableName: string, position: string): Promise<void> {
  await q.exec(
    `INSERT INTO cdc_checkpoints (table_name, mode, position, updated_at) VALUES (?, 'trigger', ?, UTC_TIMESTAMP(6))
     ON DUPLICATE KEY UPDATE mode = VALUES(mode), position = VALUES(position), updated_at = VALUES(updated_at)`,
    [tableName, position],
  );
}
