import type { MysqlQueryable } from '../driver.js';
import { formatCheckpoint, parseCheckpoint, type BinlogCheckpoint } from './position.js';

/**
 * A binlog-mode table's durable position lives in cdc_checkpoints (mode 'binlog'), next to the
 * seq_reserved counter the trigger mode uses too, so sequence numbers continue across switches.
 * Written only by ack() (after the sink confirmed), by an idle table's keep-alive, and by the
 * switch that starts the table at its boundary.
 */
export async function loadBinlogCheckpoint(q: MysqlQueryable, tableName: string): Promise<BinlogCheckpoint | null> {
  const [row] = await q.rows<{ mode: string | null; position: string | null }>(
    'SELECT mode, position FROM cdc_checkpoints WHERE table_name = ?',
    [tableName],
  );
  if (!row || row.mode !== 'binlog' || !row.position) return null;
  return parseCheckpoint(row.position);
}

export async function saveBinlogCheckpoint(q: MysqlQueryable, tableName: string, checkpoint: BinlogCheckpoint): Promise<void> {
  await q.exec(
    `INSERT INTO cdc_checkpoints (table_name, mode, position, updated_at) VALUES (?, 'binlog', ?, UTC_TIMESTAMP(6))
     ON DUPLICATE KEY UPDATE mode = VALUES(mode), position = VALUES(position), updated_at = VALUES(updated_at)`,
    [tableName, formatCheckpoint(checkpoint)],
  );
}
