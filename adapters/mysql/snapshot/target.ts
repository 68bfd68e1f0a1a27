import { UserInputError } from '../../../src/core/errors.js';
import type { SnapshotProgress, SnapshotTarget } from '../../../src/core/snapshot.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import type { MysqlDriver, MysqlQueryable } from '../driver.js';
import { cdcObjectNames, quoteIdent, quoteTable } from '../identifiers.js';
import { describeTable, type ColumnInfo } from '../introspect.js';
import { getCaptured, type CapturedTable } from '../state-store.js';
import { getSwitch } from '../upgrade/switch-store.js';
import { chunkBoundary, emitChunk, type ChunkDestination } from './chunk.js';
import { advanceProgress, loadProgress, startProgress } from './progress-store.js';
import { lockedSession, releaseLockedSession } from '../named-lock.js';

/**
 * One MySQL/MariaDB table's snapshot (docs/snapshots.md). Chunks go where the table's changes go
 * right now: its trigger change log, or (binlog capture) cdc_snapshot_rows, whose inserts the binlog
 * stream delivers as the table's SNAPSHOT changes. Each chunk is one transaction: the registry row
 * (shared lock, so an uninstall or mode switch waits for it), the locked copy of the chunk's rows,
 * and the progress row commit together.
 */
export class MysqlSnapshotTarget implements SnapshotTarget {
  readonly table: string;
  private columns: { all: ColumnInfo[]; keys: ColumnInfo[] } | null = null;

  constructor(
    private readonly driver: MysqlDriver,
    private readonly ref: TableRef,
  ) {
    this.table = qualifiedName(ref);
  }

  async lock(): Promise<() => Promise<void>> {
    const name = cdcObjectNames(this.ref).snapshotLock;
    const session = await lockedSession(this.driver, name, () => new UserInputError(`a snapshot of ${this.table} is already running in another cdc process`));
    return () => releaseLockedSession(session, name);
  }

  load(): Promise<SnapshotProgress | null> {
    return loadProgress(this.driver, this.table);
  }

  async start(): Promise<SnapshotProgress> {
    await this.captured(this.driver);
    // TABLE_ROWS is InnoDB's estimate (exact enough for a progress bar, free to read).
    const [row] = await this.driver.rows<{ n: string | number | null }>(
      'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [this.ref.schema, this.ref.name],
    );
    return startProgress(this.driver, this.table, Number(row?.n ?? 0));
  }

  async nextChunk(progress: SnapshotProgress, chunkSize: number): Promise<SnapshotProgress> {
    const captured = await this.captured(this.driver);
    const { all, keys } = await this.loadColumns(captured);
    const tableSql = quoteTable(this.ref);
    const upTo = await chunkBoundary(this.driver, tableSql, keys, progress.lastKey, chunkSize);
    return this.driver.transaction(async (q) => {
      const info = await this.captured(q, true);
      const rows = await emitChunk(q, tableSql, all, keys, progress.lastKey, upTo, this.destinationOf(info));
      return advanceProgress(q, progress, { rows, lastKey: upTo ?? progress.lastKey, done: upTo === null });
    });
  }

  /** The registry row, checked: captured, and not being switched to another mode. */
  private async captured(q: MysqlQueryable, lockRow = false): Promise<CapturedTable> {
    let pending: { target: string } | null | undefined;
    if (lockRow) {
      await q.rows('SELECT 1 FROM cdc_captured_tables WHERE table_name = ? LOCK IN SHARE MODE', [this.table]);
      // A locking read of the (usually absent) switch row: its gap lock makes a `cdc upgrade` request
      // wait for this chunk's commit, so the switch boundary is taken after the chunk's rows exist.
      [pending] = await q.rows<{ target: string }>('SELECT target FROM cdc_mode_switches WHERE table_name = ? LOCK IN SHARE MODE', [this.table]);
    } else {
      pending = await getSwitch(q, this.table);
    }
    const info = await getCaptured(q, this.table);
    if (!info) throw new UserInputError(`table ${this.table} is not captured; run cdc install-triggers --table ${this.table} first`);
    if (pending) {
      throw new UserInputError(`table ${this.table} is switching to ${pending.target} capture; run cdc snapshot again once cdc status shows the switch done (it resumes)`);
    }
    return info;
  }

  private destinationOf(info: CapturedTable): ChunkDestination {
    if (info.mode === 'binlog') return { kind: 'binlog', tableName: this.table };
    if (info.mode === 'trigger') return { kind: 'trigger', logSql: `${quoteIdent(this.driver.database)}.${quoteIdent(info.logTable)}` };
    throw new Error(`table ${this.table} has an unknown capture mode ${JSON.stringify(info.mode)}`);
  }

  private async loadColumns(info: CapturedTable): Promise<{ all: ColumnInfo[]; keys: ColumnInfo[] }> {
    if (this.columns) return this.columns;
    const described = await describeTable(this.driver, this.ref);
    if (!described) throw new UserInputError(`table ${this.table} does not exist`);
    const keys = info.keyColumns.map((name) => {
      const c = described.columns.find((col) => col.name === name);
      if (!c) throw new UserInputError(`key column ${name} of ${this.table} no longer exists; re-install capture`);
      return c;
    });
    this.columns = { all: described.columns, keys };
    return this.columns;
  }
}
