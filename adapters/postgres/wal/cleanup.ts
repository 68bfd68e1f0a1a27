import type { PgQueryable } from '../driver.js';
import { pgErrorCode } from '../errors.js';
import { quoteIdent } from '../identifiers.js';

/**
 * Drops a table's replication slot and publication. A slot can only be dropped once no walsender
 * uses it, and the walsender of a stream we just closed takes a moment to exit, so an active slot
 * is retried for a few seconds. Idempotent: missing objects are fine.
 */
export async function dropWalObjects(q: PgQueryable, slot: string | null, publication: string | null, waitMs = 10_000): Promise<void> {
  if (slot) {
    const until = Date.now() + waitMs;
    for (;;) {
      try {
        await q.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
        break;
      } catch (err) {
        if (pgErrorCode(err) !== '55006' || Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  if (publication) await q.exec(`DROP PUBLICATION IF EXISTS ${quoteIdent(publication)}`);
}
