import type { PgQueryable } from '../driver.js';
import { quoteIdent } from '../identifiers.js';
import type { TriggerAck } from './position.js';
import { formatCheckpoint } from './position.js';

/** The rows of one batch ($1–$4): the read's own predicate, fixed by the round's snapshots. */
export const BATCH_ROWS = `WHERE id > $1::bigint AND id <= $2::bigint
          AND pg_visible_in_snapshot(txid, $3::pg_snapshot)
          AND ($4::pg_snapshot IS NULL OR NOT pg_visible_in_snapshot(txid, $4::pg_snapshot))`;

/** The checkpoint ($5 table, $6 position), written by the statement that deletes the batch (`acked`). */
const RECORD_CHECKPOINT = `INSERT INTO cdc.checkpoints AS c (table_name, mode, position, updated_at)
     VALUES ($5, 'trigger', $6, now())
     ON CONFLICT (table_name) DO UPDATE SET mode = 'trigger', position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
     RETURNING (SELECT count(*) FROM acked)::int AS deleted`;

/**
 * Deletes exactly the rows one batch emitted and records the checkpoint, in one statement (one
 * round trip, atomic without an explicit transaction). The predicate repeats the read's, so rows of
 * transactions that committed after the round's snapshot, interleaved by id, stay for a later round.
 * Idempotent: a retried ack deletes nothing more and writes the same position.
 */
export async function ackBatch(q: PgQueryable, logTable: string, tableName: string, batch: NonNullable<TriggerAck['batch']>): Promise<number> {
  const { rows } = await q.query<{ deleted: number }>(
    `WITH acked AS (
       DELETE FROM cdc.${quoteIdent(logTable)}
        ${BATCH_ROWS}
       RETURNING 1
     )
     ${RECORD_CHECKPOINT}`,
    [batch.fromId, batch.toId, batch.snapshot, batch.prev, tableName, formatCheckpoint(batch.last)],
  );
  return Number(rows[0]?.deleted ?? 0);
}

/** What a kept row needs besides the log row itself (see migrations/postgres/005_change_history.sql). */
export interface KeptBatch {
  generation: string;
  /** sequence_number of the batch's first change; the others follow in log-id order. */
  firstSequence: bigint;
  schemaVersion: number;
}

/**
 * ackBatch for a table with retention: the same DELETE, whose RETURNING rows go into
 * cdc.change_history in the same statement, so the history holds exactly what was delivered and
 * acknowledged — nothing delivered is missing, nothing undelivered is kept. The deleted rows are
 * exactly the batch's rows (same predicate as the read, fixed by the round's snapshot), so the
 * k-th of them in id order carried sequence_number firstSequence + k − 1. A retried ack deletes,
 * and so keeps, nothing; ON CONFLICT is only a guard against a sequence number ever repeating.
 */
export async function ackBatchKeeping(
  q: PgQueryable,
  logTable: string,
  tableName: string,
  batch: NonNullable<TriggerAck['batch']>,
  kept: KeptBatch,
): Promise<number> {
  const { rows } = await q.query<{ deleted: number }>(
    `WITH acked AS (
       DELETE FROM cdc.${quoteIdent(logTable)}
        ${BATCH_ROWS}
       RETURNING id, txid, op, changed_at, before, after, columns
     ),
     kept AS (
       INSERT INTO cdc.change_history
         (table_name, sequence_number, generation, log_id, txid, op, changed_at, before, after, columns, schema_version)
       SELECT $5, $7::numeric + row_number() OVER (ORDER BY id) - 1, $8::uuid, id, txid, op, changed_at, before, after, columns, $9::int
         FROM acked
       ON CONFLICT (table_name, sequence_number) DO NOTHING
     )
     ${RECORD_CHECKPOINT}`,
    [
      batch.fromId, batch.toId, batch.snapshot, batch.prev, tableName, formatCheckpoint(batch.last),
      kept.firstSequence.toString(), kept.generation, kept.schemaVersion,
    ],
  );
  return Number(rows[0]?.deleted ?? 0);
}
