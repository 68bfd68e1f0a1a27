import type { SnapshotProgress } from '../../../src/core/snapshot.js';
import type { PgQueryable } from '../driver.js';

/** cdc.snapshots (migration 004): one row of persisted snapshot progress per table. */

const COLUMNS = `table_name, state, last_key::text AS last_key, rows_done::text AS rows_done,
  rows_estimate::text AS rows_estimate, chunks, to_json(started_at)#>>'{}' AS started_at,
  to_json(finished_at)#>>'{}' AS finished_at`;

function toProgress(r: Record<string, unknown>): SnapshotProgress {
  return {
    table: String(r.table_name),
    state: String(r.state) as SnapshotProgress['state'],
    lastKey: r.last_key == null ? null : (JSON.parse(String(r.last_key)) as string[]),
    rowsDone: Number(r.rows_done),
    rowsEstimate: Number(r.rows_estimate),
    chunks: Number(r.chunks),
    startedAt: isoUtc(String(r.started_at)),
    finishedAt: r.finished_at == null ? null : isoUtc(String(r.finished_at)),
  };
}

/** to_json(timestamptz) prints the session zone's offset (UTC here): normalise to `…Z`. */
function isoUtc(text: string): string {
  return new Date(text).toISOString();
}

export async function loadProgress(q: PgQueryable, table: string): Promise<SnapshotProgress | null> {
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM cdc.snapshots WHERE table_name = $1`, [table]);
  return rows[0] ? toProgress(rows[0]) : null;
}

export async function listProgress(q: PgQueryable): Promise<SnapshotProgress[]> {
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM cdc.snapshots ORDER BY table_name`);
  return rows.map(toProgress);
}

export async function startProgress(q: PgQueryable, table: string, rowsEstimate: number): Promise<SnapshotProgress> {
  const { rows } = await q.query(
    `INSERT INTO cdc.snapshots AS s (table_name, state, last_key, rows_done, rows_estimate, chunks, started_at, updated_at, finished_at)
     VALUES ($1, 'running', NULL, 0, $2, 0, now(), now(), NULL)
     ON CONFLICT (table_name) DO UPDATE SET state = 'running', last_key = NULL, rows_done = 0,
       rows_estimate = EXCLUDED.rows_estimate, chunks = 0, started_at = now(), updated_at = now(), finished_at = NULL
     RETURNING ${COLUMNS}`,
    [table, rowsEstimate],
  );
  return toProgress(rows[0]!);
}

/**
 * Advances the progress past one chunk; runs in the chunk's transaction. The `chunks` guard makes
 * a chunk that raced another snapshot process (which the advisory lock prevents) fail loudly
 * instead of counting twice.
 */
export async function advanceProgress(
  q: PgQueryable,
  from: SnapshotProgress,
  chunk: { rows: number; lastKey: string[] | null; done: boolean },
): Promise<SnapshotProgress> {
  const { rows } = await q.query(
    `UPDATE cdc.snapshots
        SET last_key = $2::jsonb, rows_done = rows_done + $3, chunks = chunks + 1,
            state = CASE WHEN $4 THEN 'done' ELSE 'running' END, updated_at = now(),
            finished_at = CASE WHEN $4 THEN now() END
      WHERE table_name = $1 AND chunks = $5 AND state = 'running'
      RETURNING ${COLUMNS}`,
    [from.table, chunk.lastKey === null ? null : JSON.stringify(chunk.lastKey), chunk.rows, chunk.done, from.chunks],
  );
  if (!rows[0]) throw new Error(`snapshot progress of ${from.table} changed under this process (another snapshot ran?)`);
  return toProgress(rows[0]);
}
