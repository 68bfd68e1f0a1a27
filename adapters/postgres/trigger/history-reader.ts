import type { ChangeHistory, HistoryWindow, RetainedChange } from '../../../src/core/change-history.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import { sqlWindow } from '../../../src/history/retention.js';
import type { PgDriver, PgQueryable } from '../driver.js';
import { findTable, loadColumns } from '../introspect.js';
import { getCaptured } from '../state-store.js';
import { decodeLogImage } from '../types/record-image.js';
import type { PgType } from '../types/pg-type.js';
import { loadRetention } from './history-store.js';
import type { LogRow } from './read-query.js';
import { toCapturedChange } from './rows.js';

const PAGE = 1_000;

interface HistoryRow extends LogRow {
  sequence_number: string;
  generation: string;
  schema_version: number;
}

/**
 * A table's kept history, rebuilt into the CapturedChanges the live source produced: the same log
 * row text (ids, txid and changed_at cast exactly as read-query.ts does), the same mapping
 * (rows.ts), the generation and numbers stored with each row.
 */
export async function openPgHistory(driver: PgDriver, table: TableRef): Promise<ChangeHistory> {
  const name = qualifiedName(table);
  const info = await getCaptured(driver, name);
  if (!info) throw new UserInputError(`table ${name} is not captured; run cdc install-triggers --table ${name} first`);
  const retention = await loadRetention(driver, name);
  if (!retention) {
    throw new UserInputError(`table ${name} keeps no change history; enable it with cdc install-triggers --table ${name} --retain 7d (changes acknowledged from then on can be replayed)`);
  }
  if (!retention.since) throw new UserInputError(`table ${name} has --retain set, but no cdc run has kept its history yet; start cdc run first`);
  const keyColumns = info.keyColumns;
  return {
    retention,
    async read(window: HistoryWindow, onChanges: (changes: RetainedChange[]) => Promise<void>): Promise<void> {
      // One snapshot for the whole replay: a prune running meanwhile cannot take rows away half-way.
      await driver.transaction(async (q) => {
        await q.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const types = await currentTypes(q, table);
        const decode = (text: string, columns: string | null) => decodeLogImage(types, text, columns);
        const bounds = sqlWindow(window);
        // Sequence bounds of the window first (index on changed_at), then pages by primary key:
        // paging the window by sequence_number directly would sort the whole window per page.
        const { rows: span } = await q.query<{ lo: string | null; hi: string | null }>(
          `SELECT min(sequence_number)::text AS lo, max(sequence_number)::text AS hi FROM cdc.change_history
            WHERE table_name = $1 AND changed_at >= $2::timestamptz AND changed_at < $3::timestamptz`,
          [name, `${bounds.from}Z`, `${bounds.to}Z`],
        );
        if (!span[0]?.lo) return;
        let after = (BigInt(span[0].lo) - 1n).toString();
        for (;;) {
          // ORDER BY `h.`: a bare name would sort by the text output column and put 9 after 20.
          const { rows } = await q.query<HistoryRow>(
            `SELECT sequence_number::text AS sequence_number, generation::text AS generation, schema_version::int AS schema_version,
                    log_id::text AS id, txid::text AS txid, op::text AS op, changed_at::text AS changed_at,
                    before::text AS before, after::text AS after, pg_catalog.array_to_json(h.columns)::text AS columns
               FROM cdc.change_history AS h
              WHERE table_name = $1 AND sequence_number > $2::numeric AND sequence_number <= $3::numeric
                AND changed_at >= $4::timestamptz AND changed_at < $5::timestamptz
              ORDER BY h.sequence_number
              LIMIT $6`,
            [name, after, span[0].hi, `${bounds.from}Z`, `${bounds.to}Z`, PAGE],
          );
          if (rows.length === 0) return;
          await onChanges(
            rows.map((r) => ({
              change: toCapturedChange(r, { generation: r.generation, keyColumns, decode }),
              sequence: BigInt(r.sequence_number),
              schemaVersion: Number(r.schema_version),
            })),
          );
          if (rows.length < PAGE) return;
          after = rows[rows.length - 1]!.sequence_number;
        }
      });
    },
  };
}

/**
 * The table's column types now. Images are decoded with them, as the live source did when the
 * columns were the same; a column whose type changed since is rendered by its new type.
 */
async function currentTypes(q: PgQueryable, table: TableRef): Promise<Map<string, PgType>> {
  const found = await findTable(q, table);
  if (!found) return new Map();
  const { columns } = await loadColumns(q, found.oid);
  return new Map(columns.map((c) => [c.name, c.type]));
}
