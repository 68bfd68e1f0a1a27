import type { RetentionSetting } from '../../../src/core/change-history.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { HistoryStore } from '../../../src/history/keeper.js';
import type { MysqlDriver, MysqlQueryable } from '../driver.js';
import { getCaptured } from '../state-store.js';

/**
 * The retention setting (cdc_history_settings) and the pruning of cdc_change_history
 * (migrations/mysql/005_change_history.sql). The ack that fills the history is in ack-query.ts.
 */

export async function loadRetention(q: MysqlQueryable, tableName: string): Promise<RetentionSetting | null> {
  const [row] = await q.rows<{ retain_seconds: number | string; since: string | null }>(
    `SELECT retain_seconds, DATE_FORMAT(history_since, '%Y-%m-%dT%H:%i:%s.%fZ') AS since FROM cdc_history_settings WHERE table_name = ?`,
    [tableName],
  );
  return row ? { retainSeconds: Number(row.retain_seconds), since: row.since } : null;
}

/**
 * `--retain`: stores the setting with the table. A changed duration keeps `history_since` (what is
 * kept stays valid); `off` forgets it and deletes the table's history in the same transaction.
 */
export async function setRetention(driver: MysqlDriver, tableName: string, retainSeconds: number | null): Promise<RetentionSetting | null> {
  return driver.transaction(async (q) => {
    const captured = await getCaptured(q, tableName);
    if (!captured) throw new UserInputError(`table ${tableName} is not captured; run cdc install-triggers --table ${tableName} first`);
    if (retainSeconds === null) {
      await forgetHistory(q, tableName);
      return null;
    }
    if (captured.mode !== 'trigger') {
      throw new UserInputError(`--retain keeps the trigger change log; table ${tableName} is captured from the ${captured.mode}`);
    }
    await q.exec(
      `INSERT INTO cdc_history_settings (table_name, retain_seconds) VALUES (?, ?)
       ON DUPLICATE KEY UPDATE retain_seconds = VALUES(retain_seconds)`,
      [tableName, retainSeconds],
    );
    return loadRetention(q, tableName);
  });
}

/** Uninstall and `--retain off`: the setting and everything kept go. */
export async function forgetHistory(q: MysqlQueryable, tableName: string): Promise<void> {
  await q.exec('DELETE FROM cdc_history_settings WHERE table_name = ?', [tableName]);
  await q.exec('DELETE FROM cdc_change_history WHERE table_name = ?', [tableName]);
}

export function mysqlHistoryStore(driver: MysqlDriver, tableName: string): HistoryStore {
  return {
    load: () => loadRetention(driver, tableName),
    async start() {
      await driver.exec('UPDATE cdc_history_settings SET history_since = UTC_TIMESTAMP(6) WHERE table_name = ? AND history_since IS NULL', [tableName]);
    },
    async prune(retainSeconds, limit) {
      const { affectedRows } = await driver.exec(
        `DELETE FROM cdc_change_history
          WHERE table_name = ? AND changed_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND
          ORDER BY changed_at LIMIT ?`,
        [tableName, retainSeconds, limit],
      );
      return affectedRows;
    },
  };
}
