import type { PgQueryable } from '../driver';
import { quoteIdent } from '../identifiers';
import type { TriggerAck } from './position';
import { formatCheckpoint } from './position';

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
        WHERE id > $1::bigint AND id <= $2::bigint
          AND pg_visible_in_snapshot(txid, $3::pg_snapshot)
          AND ($4::pg_snapshot IS NULL OR NOT pg_visible_in_snapshot(txid, $4::pg_snapshot))
       RETURNING 1
     )
     INSERT INTO cdc.checkpoints AS c (table_name, mode, position, updated_at)
     VALUES ($5, 'trigger', $6, now())
     ON CONFLICT (table_name) DO UPDATE SET mode = 'trigger', position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
     RETURNING (SELECT count(*) FROM acked)::int AS deleted`,
    [batch.fromId, batch.toId, batch.snapshot, batch.prev, tableName, formatCheckpoint(batch.last)],
  );
  return Number(rows[0]?.deleted ?? 0);
}
