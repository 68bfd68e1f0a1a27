import type { ChangeHistory, HistoryWindow, RetainedChange } from '../../../src/core/change-history.js';
import { UserInputError } from '../../../src/core/errors.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import { sqlWindow } from '../../../src/history/retention.js';
import type { MysqlDriver } from '../driver.js';
import { getCaptured } from '../state-store.js';
import { loadRetention } from './history-store.js';
import { toCapturedChange, type LogRow } from './read-query.js';

const PAGE = 1_000;

interface HistoryRow extends LogRow {
  sequence_number: string;
  generation: string;
  schema_version: number | string;
}

/**
 * A table's kept history, rebuilt into the CapturedChanges the live source produced: the kept
 * columns have the log table's types, so they read back as the log row did, and go through the
 * same mapping (read-query.ts) with the generation and numbers stored with each row.
 */
export async function openMysqlHistory(driver: MysqlDriver, table: TableRef): Promise<ChangeHistory> {
  const name = qualifiedName(table);
  const captured = await getCaptured(driver, name);
  if (!captured) throw new UserInputError(`table ${name} is not captured; run cdc install-triggers --table ${name} first`);
  const retention = await loadRetention(driver, name);
  if (!retention) {
    throw new UserInputError(`table ${name} keeps no change history; enable it with cdc install-triggers --table ${name} --retain 7d (changes acknowledged from then on can be replayed)`);
  }
  if (!retention.since) throw new UserInputError(`table ${name} has --retain set, but no cdc run has kept its history yet; start cdc run first`);
  const ctx = { table: name, generation: captured.generation, keyColumns: captured.keyColumns };
  return {
    retention,
    async read(window: HistoryWindow, onChanges: (changes: RetainedChange[]) => Promise<void>): Promise<void> {
      // One consistent snapshot for the whole replay: a prune meanwhile cannot take rows away half-way.
      const session = await driver.dedicated();
      try {
        await session.exec('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        await session.exec('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
        const bounds = sqlWindow(window);
        // Sequence bounds of the window first (changed_at index), then pages by primary key.
        const [span] = await session.rows<{ lo: string | null; hi: string | null }>(
          `SELECT CAST(MIN(sequence_number) AS CHAR) AS lo, CAST(MAX(sequence_number) AS CHAR) AS hi FROM cdc_change_history
            WHERE table_name = ? AND changed_at >= ? AND changed_at < ?`,
          [name, bounds.from, bounds.to],
        );
        if (!span?.lo || !span.hi) return;
        let after = (BigInt(span.lo) - 1n).toString();
        for (;;) {
          // ORDER BY `h.`: a bare name would sort by the text output column and put 9 after 20.
          const rows = await session.rows<HistoryRow>(
            `SELECT CAST(sequence_number AS CHAR) AS sequence_number, generation, schema_version,
                    log_id AS id, op, trx_id, changed_at, before_image, after_image
               FROM cdc_change_history AS h
              WHERE table_name = ? AND sequence_number > CAST(? AS DECIMAL(20)) AND sequence_number <= CAST(? AS DECIMAL(20))
                AND changed_at >= ? AND changed_at < ?
              ORDER BY h.sequence_number
              LIMIT ?`,
            [name, after, span.hi, bounds.from, bounds.to, PAGE],
          );
          if (rows.length === 0) return;
          await onChanges(
            rows.map((r) => ({
              change: toCapturedChange({ ...r, id: String(r.id) }, { ...ctx, generation: r.generation }),
              sequence: BigInt(r.sequence_number),
              schemaVersion: Number(r.schema_version),
            })),
          );
          if (rows.length < PAGE) return;
          after = rows[rows.length - 1]!.sequence_number;
        }
      } finally {
        if (!session.lost) await session.exec('ROLLBACK').catch(() => undefined);
        await session.close();
      }
    },
  };
}
