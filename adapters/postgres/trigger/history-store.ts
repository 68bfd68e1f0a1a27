import type { RetentionSetting } from '../../../src/core/change-history.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { HistoryStore } from '../../../src/history/keeper.js';
import type { PgDriver, PgQueryable } from '../driver.js';
import { getCaptured } from '../state-store.js';

/**
 * The retention setting in cdc.captured_tables and the pruning of cdc.change_history
 * (migrations/postgres/005_change_history.sql). The ack that fills the history is in ack-query.ts.
 */

export async function loadRetention(q: PgQueryable, tableName: string): Promise<RetentionSetting | null> {
  const { rows } = await q.query<{ retain_seconds: number | null; since: string | null }>(
    `SELECT retain_seconds, to_char(history_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS since
       FROM cdc.captured_tables WHERE table_name = $1`,
    [tableName],
  );
  const r = rows[0];
  if (!r || r.retain_seconds == null) return null;
  return { retainSeconds: Number(r.retain_seconds), since: r.since };
}

/**
 * `--retain`: stores the setting with the table. A changed duration keeps `history_since` (what is
 * kept stays valid); `off` forgets it and deletes the table's history in the same transaction.
 */
export async function setRetention(driver: PgDriver, tableName: string, retainSeconds: number | null): Promise<RetentionSetting | null> {
  return driver.transaction(async (q) => {
    const info = await getCaptured(q, tableName);
    if (!info) throw new UserInputError(`table ${tableName} is not captured; run cdc install-triggers --table ${tableName} first`);
    if (retainSeconds === null) {
      await q.query('UPDATE cdc.captured_tables SET retain_seconds = NULL, history_since = NULL WHERE table_name = $1', [tableName]);
      await q.query('DELETE FROM cdc.change_history WHERE table_name = $1', [tableName]);
      return null;
    }
    if (info.mode !== 'trigger' || info.pendingMode) {
      throw new UserInputError(`--retain keeps the trigger change log; table ${tableName} is captured from the ${info.pendingMode ?? info.mode}`);
    }
    await q.query('UPDATE cdc.captured_tables SET retain_seconds = $2 WHERE table_name = $1', [tableName, retainSeconds]);
    return loadRetention(q, tableName);
  });
}

export function pgHistoryStore(driver: PgDriver, tableName: string): HistoryStore {
  return {
    load: () => loadRetention(driver, tableName),
    async start() {
      await driver.query(
        `UPDATE cdc.captured_tables SET history_since = clock_timestamp()
          WHERE table_name = $1 AND retain_seconds IS NOT NULL AND history_since IS NULL`,
        [tableName],
      );
    },
    async prune(retainSeconds, limit) {
      // By primary key through a bounded sub-select: DELETE has no LIMIT in PostgreSQL.
      const r = await driver.query(
        `DELETE FROM cdc.change_history
          WHERE table_name = $1 AND sequence_number IN (
            SELECT sequence_number FROM cdc.change_history
             WHERE table_name = $1 AND changed_at < now() - make_interval(secs => $2)
             LIMIT $3)`,
        [tableName, retainSeconds, limit],
      );
      return r.rowCount ?? 0;
    },
  };
}
