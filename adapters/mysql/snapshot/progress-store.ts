import type { SnapshotProgress } from '../../../src/core/snapshot.js';
import type { MysqlQueryable } from '../driver.js';

/** cdc_snapshots (migration 004): one row of persisted snapshot progress per table. */

interface ProgressRow {
  table_name: string;
  state: string;
  last_key: string | null;
  rows_done: string | number;
  rows_estimate: string | number;
  chunks: string | number;
  started_at: string;
  finished_at: string | null;
}

// DATETIME(6) values are written as UTC_TIMESTAMP(6) and read back as text.
const COLUMNS = `table_name, state, last_key, CAST(rows_done AS CHAR) AS rows_done, CAST(rows_estimate AS CHAR) AS rows_estimate,
  chunks, CAST(started_at AS CHAR) AS started_at, CAST(finished_at AS CHAR) AS finished_at`;

const utc = (text: string) => new Date(`${text.replace(' ', 'T')}Z`).toISOString();

function toProgress(r: ProgressRow): SnapshotProgress {
  return {
    table: r.table_name,
    state: r.state as SnapshotProgress['state'],
    lastKey: r.last_key === null ? null : (JSON.parse(r.last_key) as string[]),
    rowsDone: Number(r.rows_done),
    rowsEstimate: Number(r.rows_estimate),
    chunks: Number(r.chunks),
    startedAt: utc(r.started_at),
    finishedAt: r.finished_at === null ? null : utc(r.finished_at),
  };
}

export async function loadProgress(q: MysqlQueryable, table: string): Promise<SnapshotProgress | null> {
  const [row] = await q.rows<ProgressRow>(`SELECT ${COLUMNS} FROM cdc_snapshots WHERE table_name = ?`, [table]);
  return row ? toProgress(row) : null;
}

export async function listProgress(q: MysqlQueryable): Promise<SnapshotProgress[]> {
  return (await q.rows<ProgressRow>(`SELECT ${COLUMNS} FROM cdc_snapshots ORDER BY table_name`)).map(toProgress);
}

export async function startProgress(q: MysqlQueryable, table: string, rowsEstimate: number): Promise<SnapshotProgress> {
  await q.exec(
    `INSERT INTO cdc_snapshots (table_name, state, last_key, rows_done, rows_estimate, chunks, started_at, updated_at, finished_at)
     VALUES (?, 'running', NULL, 0, ?, 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), NULL)
     ON DUPLICATE KEY UPDATE state = 'running', last_key = NULL, rows_done = 0, rows_estimate = VALUES(rows_estimate),
       chunks = 0, started_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6), finished_at = NULL`,
    [table, rowsEstimate],
  );
  return (await loadProgress(q, table))!;
}

/** Advances the progress past one chunk; runs in the chunk's transaction (see the PostgreSQL twin). */
export async function advanceProgress(
  q: MysqlQueryable,
  from: SnapshotProgress,
  chunk: { rows: number; lastKey: string[] | null; done: boolean },
): Promise<SnapshotProgress> {
  const { affectedRows } = await q.exec(
    `UPDATE cdc_snapshots
        SET last_key = ?, rows_done = rows_done + ?, chunks = chunks + 1, state = ?, updated_at = UTC_TIMESTAMP(6),
            finished_at = IF(? = 'done', UTC_TIMESTAMP(6), NULL)
      WHERE table_name = ? AND chunks = ? AND state = 'running'`,
    [
      chunk.lastKey === null ? null : JSON.stringify(chunk.lastKey),
      chunk.rows,
      chunk.done ? 'done' : 'running',
      chunk.done ? 'done' : 'running',
      from.table,
      from.chunks,
    ],
  );
  if (affectedRows !== 1) throw new Error(`snapshot progress of ${from.table} changed under this process (another snapshot ran?)`);
  return (await loadProgress(q, from.table))!;
}
