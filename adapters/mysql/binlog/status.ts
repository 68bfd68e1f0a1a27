import type { TableStatus } from '../../../src/core/change-source.js';
import type { MysqlQueryable } from '../driver.js';
import type { CapturedTable } from '../state-store.js';
import { masterStatus } from '../upgrade/snapshot.js';
import { loadBinlogCheckpoint } from './checkpoint.js';
import { compareFiles, formatCoord, formatKey, type BinlogCoord } from './position.js';

export interface BinlogServerState {
  /** The binlog end now; null when the user may not see it (needs REPLICATION CLIENT). */
  end: BinlogCoord | null;
  /** File sizes in order (SHOW BINARY LOGS), to count the bytes between two coordinates. */
  files: Array<{ name: string; size: number }>;
}

export async function readBinlogServerState(q: MysqlQueryable): Promise<BinlogServerState> {
  try {
    const [status] = await masterStatus(q);
    const files = await q.rows<{ Log_name: string; File_size: string | number }>('SHOW BINARY LOGS');
    return {
      end: status ? { file: status.File, pos: Number(status.Position) } : null,
      files: files.map((f) => ({ name: f.Log_name, size: Number(f.File_size) })),
    };
  } catch {
    return { end: null, files: [] };
  }
}

/** Bytes of binlog from `from` to `to` (0 when `from` is at or past it). */
export function bytesBetween(from: BinlogCoord, to: BinlogCoord, files: BinlogServerState['files']): number {
  if (compareFiles(from.file, to.file) > 0) return 0;
  if (from.file === to.file) return Math.max(0, to.pos - from.pos);
  let total = 0;
  for (const f of files) {
    if (compareFiles(f.name, from.file) < 0 || compareFiles(f.name, to.file) > 0) continue;
    if (f.name === from.file) total += Math.max(0, f.size - from.pos);
    else if (f.name === to.file) total += to.pos;
    else total += f.size;
  }
  return total;
}

/**
 * `cdc status` of a binlog-mode table. The binlog has no per-table backlog count, so `backlog` is
 * 0 and `details.bytesBehind` says how much binlog lies between the acknowledged position and the
 * server's end (other tables' traffic included). `lagSeconds` is the age of the last event the
 * checkpoint covers while anything lies beyond it, else 0; an idle table's checkpoint follows the
 * stream every few seconds while `cdc run` runs, so it does not look lagging.
 */
export async function binlogTableStatus(q: MysqlQueryable, t: CapturedTable, server: BinlogServerState): Promise<TableStatus> {
  const checkpoint = await loadBinlogCheckpoint(q, t.tableName);
  const acked = checkpoint ? { file: checkpoint.after.file, pos: checkpoint.after.end } : null;
  const behind = acked && server.end ? bytesBetween(acked, server.end, server.files) : null;
  const ts = checkpoint?.ts ? Date.parse(checkpoint.ts) : NaN;
  const lagSeconds = behind && behind > 0 && Number.isFinite(ts) ? Math.max(0, (Date.now() - ts) / 1000) : 0;
  return {
    table: t.tableName,
    mode: 'binlog',
    backlog: 0,
    checkpoint: checkpoint ? formatKey(checkpoint.after) : null,
    lagSeconds,
    details: {
      binlogEnd: server.end ? formatCoord(server.end) : null,
      bytesBehind: behind,
      lastEventAt: checkpoint?.ts ?? null,
      schemaVersion: t.schemaVersion,
      keyColumns: t.keyColumns,
      ...(checkpoint ? {} : { problems: ['no binlog position stored: run cdc upgrade --to binlog again'] }),
    },
  };
}
