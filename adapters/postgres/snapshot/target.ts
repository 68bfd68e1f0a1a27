import { UserInputError } from '../../../src/core/errors.js';
import type { SnapshotProgress, SnapshotTarget } from '../../../src/core/snapshot.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import type { PgDriver, PgQueryable } from '../driver.js';
import { advisoryKey, quoteTable } from '../identifiers.js';
import { findTable } from '../introspect.js';
import { getCaptured, type CapturedTableRow } from '../state-store.js';
import { messagePrefix } from '../wal/names.js';
import { chunkBoundary, emitChunk, type ChunkDestination, type KeyColumn } from './chunk.js';
import { advanceProgress, loadProgress, startProgress } from './progress-store.js';

/**
 * One PostgreSQL table's snapshot. Chunks go where the table's changes go right now: its trigger
 * change log, or (WAL capture) a transactional message in its slot's stream. Each chunk is one
 * transaction: registry row (FOR SHARE, so an uninstall or mode switch waits for the chunk),
 * boundary, emission and progress commit together.
 */
export class PgSnapshotTarget implements SnapshotTarget {
  readonly table: string;
  private keys: KeyColumn[] | null = null;

  constructor(
    private readonly driver: PgDriver,
    private readonly ref: TableRef,
  ) {
    this.table = qualifiedName(ref);
  }

  async lock(): Promise<() => Promise<void>> {
    const session = await this.driver.dedicated();
    const key = advisoryKey('snapshot', this.table);
    try {
      const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
      if (!rows[0]?.ok) throw new UserInputError(`a snapshot of ${this.table} is already running in another cdc process`);
    } catch (err) {
      await session.release();
      throw err;
    }
    return async () => {
      try {
        if (!session.lost) await session.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      } finally {
        await session.release();
      }
    };
  }

  load(): Promise<SnapshotProgress | null> {
    return loadProgress(this.driver, this.table);
  }

  async start(): Promise<SnapshotProgress> {
    await this.captured(this.driver);
    const table = await findTable(this.driver, this.ref);
    if (!table) throw new UserInputError(`table ${this.table} does not exist`);
    const { rows } = await this.driver.query<{ n: string }>(
      `SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint::text END AS n FROM pg_class c WHERE c.oid = $1`,
      [table.oid],
    );
    // reltuples is -1 before the first ANALYZE: count then (such a table is usually new and small).
    const estimate = rows[0]?.n ?? (await this.driver.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteTable(this.ref)}`)).rows[0]!.n;
    return startProgress(this.driver, this.table, Number(estimate));
  }

  nextChunk(progress: SnapshotProgress, chunkSize: number): Promise<SnapshotProgress> {
    return this.driver.transaction(async (q) => {
      const info = await this.captured(q, true);
      const keys = await this.keyColumns(q, info);
      const tableSql = quoteTable(this.ref);
      const upTo = await chunkBoundary(q, tableSql, keys, progress.lastKey, chunkSize);
      const rows = await emitChunk(q, tableSql, keys, progress.lastKey, upTo, destinationOf(info));
      return advanceProgress(q, progress, { rows, lastKey: upTo ?? progress.lastKey, done: upTo === null });
    });
  }

  /** The registry row, checked: captured, and not between two capture modes. */
  private async captured(q: PgQueryable, lockRow = false): Promise<CapturedTableRow> {
    if (lockRow) await q.query('SELECT 1 FROM cdc.captured_tables WHERE table_name = $1 FOR SHARE', [this.table]);
    const info = await getCaptured(q, this.table);
    if (!info) throw new UserInputError(`table ${this.table} is not captured; run cdc install-triggers --table ${this.table} first`);
    if (info.pendingMode) {
      throw new UserInputError(
        `table ${this.table} is switching to ${info.pendingMode} capture; run cdc snapshot again once cdc status shows the switch done (it resumes)`,
      );
    }
    if (info.mode === 'wal' && !info.walSlot) throw new Error(`table ${this.table} is in wal mode without a slot`);
    return info;
  }

  private async keyColumns(q: PgQueryable, info: CapturedTableRow): Promise<KeyColumn[]> {
    if (this.keys) return this.keys;
    const { rows } = await q.query<{ name: string; type: string }>(
      `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY($3::text[])`,
      [this.ref.schema, this.ref.name, info.keyColumns],
    );
    const byName = new Map(rows.map((r) => [r.name, r.type]));
    this.keys = info.keyColumns.map((name) => {
      const type = byName.get(name);
      if (!type) throw new UserInputError(`key column ${name} of ${this.table} no longer exists; re-install capture`);
      return { name, type };
    });
    return this.keys;
  }
}

function destinationOf(info: CapturedTableRow): ChunkDestination {
  return info.mode === 'wal' ? { kind: 'wal', messagePrefix: messagePrefix(info.walSlot!, 'snapshot') } : { kind: 'trigger', logTable: info.logTable };
}
