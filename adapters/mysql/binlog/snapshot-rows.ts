import type { RawChange } from './transactions.js';

/**
 * cdc_snapshot_rows (migration 006): how `cdc snapshot` puts a binlog-captured table's rows into the
 * binlog (adapters/mysql/snapshot/chunk.ts). The table lives in cdc's own state database (state-database.ts)
 * and is always empty: a chunk inserts its rows and deletes them in the same transaction, so only the
 * binlog keeps them — as INSERT row events inside the chunk's commit, which is exactly where each
 * row's SNAPSHOT change belongs in the table's stream.
 */
export const SNAPSHOT_ROWS_TABLE = 'cdc_snapshot_rows';

/** A snapshot row read back from the binlog: which captured table, and its trigger-format image. */
export interface SnapshotRow {
  /** `schema.table`, as in cdc_captured_tables. */
  table: string;
  /** JSON text written by the trigger image expression (types/image-decoder.ts decodes it). */
  image: string;
}

export const isSnapshotRowsChange = (raw: RawChange, stateDatabase: string): boolean =>
  raw.table === SNAPSHOT_ROWS_TABLE && raw.schema === stateDatabase;

/**
 * The snapshot row an INSERT into cdc_snapshot_rows carries; null for the chunk's DELETE of the same
 * rows (only there to keep the table empty) and for anything else.
 */
export function snapshotRowOf(raw: RawChange): SnapshotRow | null {
  if (raw.op !== 'INSERT' || !raw.after) return null;
  const table = text(raw.after.table_name);
  const image = text(raw.after.image);
  if (table === null || image === null) throw new Error(`a ${SNAPSHOT_ROWS_TABLE} row without table_name or image arrived from the binlog`);
  return { table, image };
}

// zongji decodes text columns in their charset; a Buffer would mean the column lost its charset.
function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return null;
}
