import type { SequenceStore } from '../../src/core/sequence-store.js';
import type { PgQueryable } from './driver.js';

/**
 * Sequence numbers in cdc.checkpoints.seq_reserved. One upsert statement both creates the row
 * (any table name, installed or not) and reserves the block; the row lock makes concurrent
 * reservations for the same table serialise, so blocks never overlap.
 */
export function pgSequenceStore(q: PgQueryable, ready: () => Promise<void>): SequenceStore {
  return {
    async reserve(table, count) {
      if (!Number.isSafeInteger(count) || count < 1) throw new Error(`cannot reserve ${count} sequence numbers`);
      await ready();
      const { rows } = await q.query<{ first: string }>(
        `INSERT INTO cdc.checkpoints AS c (table_name, seq_reserved) VALUES ($1, $2)
         ON CONFLICT (table_name) DO UPDATE SET seq_reserved = c.seq_reserved + EXCLUDED.seq_reserved
         RETURNING (c.seq_reserved - $2 + 1)::text AS first`,
        [table, count],
      );
      return BigInt(rows[0]!.first);
    },
  };
}
