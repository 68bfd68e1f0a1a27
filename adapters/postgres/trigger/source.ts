import type { CapturedChange } from '../../../src/core/change-event.js';
import type { AckToken, ChangeBatch, ChangeSource, DeliveredBatch } from '../../../src/core/change-source.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import type { PgDriver } from '../driver.js';
import { createHash } from 'node:crypto';
import { findTable, loadColumns, type ColumnDefinition } from '../introspect.js';
import type { SourceLocks } from '../locks.js';
import type { CapturedTableRow } from '../state-store.js';
import { getCaptured, recordColumns, recordedNames, schemaVersions } from '../state-store.js';
import type { DecodedImage } from '../types/jsonb-decoder.js';
import { decodeLogImage } from '../types/record-image.js';
import type { PgType } from '../types/pg-type.js';
import { HistoryKeeper } from '../../../src/history/keeper.js';
import { ackBatch, ackBatchKeeping } from './ack-query.js';
import { pgHistoryStore } from './history-store.js';
import { TriggerAck } from './position.js';
import { readPage, takeSnapshot, type LogRow } from './read-query.js';
import { toCapturedChange } from './rows.js';
import { triggerGap } from './health.js';
import { TriggerWatch } from '../../../src/core/trigger-watch.js';
import { quoteTable, triggerFunctionName } from '../identifiers.js';

/** A read round: pages through the log under one snapshot until a short page. */
interface Round {
  snapshot: string;
  /** Snapshot of the previous round, whose rows may still be unacknowledged (null after open). */
  prev: string | null;
  afterId: string;
  columnsChecked: boolean;
  /** The last round before a switch to WAL capture (see finishWith). */
  final: boolean;
}

/**
 * Streams one table's change log (SPEC "Commit-order gaps"). Log ids come from a sequence at write
 * time, so a plain `id > last` cursor skips rows of slow transactions. Instead reads go in rounds,
 * each filtered by one `pg_current_snapshot()`:
 *  - rows of transactions still open at the snapshot stay in the log for a later round;
 *  - a later change to a row is written only after the earlier writer committed (row lock), so if
 *    it is visible in a snapshot, the earlier one is too, and id order is per-row commit order;
 *  - when a round ends, every log row visible in its snapshot has been emitted, so the next round
 *    excludes those (`prev`) instead of waiting for their acks — reads keep overlapping with the
 *    sink as the pipeline expects, and nothing is emitted twice in one session;
 *  - ack deletes exactly a batch's rows; after a crash the next open starts a fresh round that
 *    redelivers whatever is still in the log, with the same changeIds.
 */
export class PgTriggerSource implements ChangeSource {
  readonly mode = 'trigger' as const;
  private readonly name: string;
  private info: CapturedTableRow | null = null;
  private types = new Map<string, PgType>();
  private version = 1;
  private signature: string | null = null;
  /**
   * The column names of `version`, as JSON. The version events carry follows the images: a
   * backlog written before an ALTER TABLE keeps the version that describes it, and the first image
   * with another column set starts the next version (issue 11 item 8; docs/schema-tracking.md).
   */
  private namesKey: string | null = null;
  /** The catalog's columns as last loaded (types for decoding; definitions for new versions). */
  private catalog: { names: string; signature: string; definition: ColumnDefinition[] } | null = null;
  private readonly warned = new Set<string>();
  private round: Round | null = null;
  private lastSnapshot: string | null = null;
  private ackChain: Promise<unknown> = Promise.resolve();
  private state: 'new' | 'open' | 'closed' = 'new';
  private final: { snapshot: string; done: boolean } | null = null;
  /** Retention (docs/replay.md): whether acks keep what they delete, and pruning. */
  private keeper: HistoryKeeper | null = null;
  private readonly watch: TriggerWatch;

  constructor(
    readonly table: TableRef,
    private readonly deps: {
      driver: PgDriver;
      locks: SourceLocks;
      logger: Logger;
      ready: () => Promise<void>;
      /** Set when a wrapper (the mode-switching source) holds the table's lock across sources. */
      lockOwner?: object;
    },
  ) {
    this.name = qualifiedName(table);
    const fn = triggerFunctionName(table);
    this.watch = new TriggerWatch(this.name, () => triggerGap(this.deps.driver, quoteTable(table), fn), this.deps.logger);
  }

  /** Why changes of this table are not being captured right now (triggers disabled or dropped), or null. */
  captureGap(): string | null {
    return this.watch.current;
  }

  private get lockOwner(): object {
    return this.deps.lockOwner ?? this;
  }

  /**
   * Ends capture at `snapshot` (taken after every earlier round's): after the round in progress,
   * one last round reads under it, and then the source is `finished`. Every log row visible in
   * the snapshot has then been emitted (rounds cover each snapshot completely), and none that is
   * not: the exact boundary the switch to WAL capture needs.
   */
  finishWith(snapshot: string): void {
    this.final ??= { snapshot, done: false };
  }

  /** True once the round under the finishWith snapshot is complete; read() then returns nothing. */
  get finished(): boolean {
    return this.final?.done ?? false;
  }

  async open(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closed') throw new Error(`source for ${this.name} is closed`);
    await this.deps.ready();
    const info = await getCaptured(this.deps.driver, this.name);
    if (!info) throw new UserInputError(`table ${this.name} has no trigger capture installed; run cdc install-triggers --table ${this.name} first`);
    await this.deps.locks.ensure(this.name, this.lockOwner);
    try {
      this.info = info;
      this.version = info.schemaVersion;
      this.signature = info.columnSignature;
      this.namesKey = await recordedNames(this.deps.driver, this.name, info.schemaVersion);
      await this.reloadColumns();
    } catch (err) {
      if (!this.deps.lockOwner) await this.deps.locks.release(this.name, this);
      throw err;
    }
    this.round = null;
    this.lastSnapshot = null;
    this.keeper = new HistoryKeeper(pgHistoryStore(this.deps.driver, this.name), this.deps.logger);
    this.state = 'open';
  }

  async read(maxChanges: number): Promise<ChangeBatch> {
    const info = this.requireOpen();
    if (!Number.isSafeInteger(maxChanges) || maxChanges < 1) throw new Error(`read(${maxChanges}): need a positive batch size`);
    if (this.final?.done) return { changes: [], ack: new TriggerAck(this, null) };
    if (await this.deps.locks.ensure(this.name, this.lockOwner)) {
      // The lock's connection was lost and no one else took the table meanwhile. The round state
      // stays valid: rows another process may have acknowledged in between are simply gone.
      this.deps.logger.warn({ table: this.name }, 'capture lock connection was lost; lock taken again');
    }
    await this.keeper!.tick();
    if (!this.final) await this.watch.tick();
    const round = this.round ?? (await this.newRound());
    this.round = round;
    const rows = await readPage(this.deps.driver, info.logTable, round.afterId, round.snapshot, round.prev, maxChanges);
    if (rows.length > 0 && !round.columnsChecked) {
      // Once per round: an ALTER TABLE since the last round changes types or the schema version.
      await this.reloadColumns();
      round.columnsChecked = true;
    }
    const decoded = await this.decode(rows, info);
    // One schema version per batch: the batch ends where the images' column set changes.
    const cut = await this.sameColumns(decoded);
    const changes = decoded.slice(0, cut);
    if (cut < rows.length) rows.length = cut;
    // State moves only after everything above succeeded, so a failed read is simply retried.
    if (cut === decoded.length && rows.length < maxChanges) {
      this.round = null;
      this.lastSnapshot = round.snapshot;
      if (round.final) this.final!.done = true;
    } else round.afterId = rows[rows.length - 1]!.id;
    if (rows.length === 0) return { changes, ack: new TriggerAck(this, null) };
    const last = rows[rows.length - 1]!;
    const lastChange = changes[changes.length - 1]!;
    // The ack's lower bound is just below the batch's first row, not the round's start (0 on its
    // first page): no row the predicate admits lies between them, or the page would have begun
    // with it. `id > 0` let the planner choose a sequential scan of the whole log table, which
    // after a large backlog is hundreds of MB of dead rows until vacuum — measured 60–110 ms per
    // ack and P95 0.7–1 s at 2K changes/s instead of 70 ms (docs/benchmarks.md, problem 4).
    const fromId = (BigInt(rows[0]!.id) - 1n).toString();
    return {
      changes,
      ack: new TriggerAck(this, {
        snapshot: round.snapshot,
        prev: round.prev,
        fromId,
        toId: last.id,
        last: { snapshot: round.snapshot, log_id: last.id, txid: last.txid, changed_at: lastChange.timestamp },
      }),
    };
  }

  async ack(token: AckToken, delivered?: DeliveredBatch): Promise<void> {
    const info = this.requireOpen();
    if (!(token instanceof TriggerAck) || token.owner !== this) throw new Error(`ack token does not belong to the source of ${this.name}`);
    const batch = token.batch;
    if (!batch) return;
    const keeper = this.keeper!;
    const run = this.ackChain.catch(() => undefined).then(() => {
      // Decided when the ack runs, not when it was queued (see HistoryKeeper).
      if (!keeper.retaining) return ackBatch(this.deps.driver, info.logTable, this.name, batch);
      if (!delivered) throw new Error(`${this.name} keeps change history, but its ack was not told the batch's sequence numbers`);
      return ackBatchKeeping(this.deps.driver, info.logTable, this.name, batch, { generation: info.generation, ...delivered });
    });
    this.ackChain = run;
    await run;
  }

  schemaVersion(): number {
    return this.version;
  }

  async close(): Promise<void> {
    if (this.state !== 'open') {
      this.state = 'closed';
      return;
    }
    this.state = 'closed';
    await this.ackChain.catch(() => undefined);
    if (!this.deps.lockOwner) await this.deps.locks.release(this.name, this);
  }

  private async newRound(): Promise<Round> {
    const prev = this.lastSnapshot;
    if (this.final) return { snapshot: this.final.snapshot, prev, afterId: '0', columnsChecked: false, final: true };
    return { snapshot: await takeSnapshot(this.deps.driver), prev, afterId: '0', columnsChecked: false, final: false };
  }

  private async decode(rows: LogRow[], info: CapturedTableRow): Promise<CapturedChange[]> {
    let reloaded = false;
    let unknown: string[] | null = null;
    const decodeImage = (text: string, columns: string | null): DecodedImage => {
      const d = decodeLogImage(this.types, text, columns);
      if (d.unknownColumns.length > 0) unknown = d.unknownColumns;
      if (d.invalidColumns.length > 0) this.warnInvalid(d.invalidColumns);
      return d;
    };
    const out: CapturedChange[] = [];
    for (const row of rows) {
      const ctx = { generation: info.generation, keyColumns: info.keyColumns, decode: decodeImage };
      let change = toCapturedChange(row, ctx);
      if (unknown && !reloaded) {
        // A column we have no type for: the table was altered. Reload once and decode again.
        this.deps.logger.info({ table: this.name, columns: unknown }, 'row image has new columns; reloading column types');
        await this.reloadColumns();
        reloaded = true;
        change = toCapturedChange(row, ctx);
      }
      unknown = null;
      out.push(change);
    }
    return out;
  }

  /**
   * Reloads the catalog's column types. The schema version moves here only for a change that keeps
   * the column names (a retyped column), which images cannot show; a change of names waits for the
   * first image that has them (sameColumns).
   */
  private async reloadColumns(): Promise<void> {
    const table = await findTable(this.deps.driver, this.table);
    if (!table) {
      // Dropped while captured: keep draining what the log holds with the types we had.
      this.deps.logger.warn({ table: this.name }, 'captured table no longer exists; draining its change log');
      return;
    }
    const { columns, signature, definition } = await loadColumns(this.deps.driver, table.oid);
    this.types = new Map(columns.map((c) => [c.name, c.type]));
    this.catalog = { names: JSON.stringify(definition.map((d) => d.name)), signature, definition };
    this.namesKey ??= this.catalog.names;
    if (signature !== this.signature && this.catalog.names === this.namesKey) await this.adoptVersion(signature, definition);
  }

  /**
   * How many leading changes share the current version's column names. When the first one does
   * not, the version moves to its names first: the catalog's columns if the names are the
   * catalog's, else a version recorded from the image (types of columns dropped since are unknown).
   */
  private async sameColumns(changes: CapturedChange[]): Promise<number> {
    const names = (c: CapturedChange): string | null => {
      const image = c.after ?? c.before;
      return image ? JSON.stringify(Object.keys(image)) : null;
    };
    const first = changes.findIndex((c) => names(c) !== null);
    if (first >= 0 && names(changes[first]!) !== this.namesKey) {
      const key = names(changes[first]!)!;
      if (this.catalog === null || key !== this.catalog.names) await this.reloadColumns();
      if (this.catalog && key === this.catalog.names) await this.adoptVersion(this.catalog.signature, this.catalog.definition);
      else {
        // A column's type as the catalog has it now, else as the latest recorded version had it.
        const recorded = (await schemaVersions(this.deps.driver, this.name)) ?? [];
        const known = new Map(recorded.flatMap((v) => v.columns).map((d) => [d.name, d] as const));
        for (const d of this.catalog?.definition ?? []) known.set(d.name, d);
        const definition = (JSON.parse(key) as string[]).map((name) => known.get(name) ?? { name, type: 'unknown (dropped before it was read)', nullable: true });
        const signature = createHash('sha1').update(JSON.stringify(definition.map((d) => [d.name, d.type]))).digest('hex');
        await this.adoptVersion(signature, definition);
      }
      this.namesKey = key;
    }
    const cut = changes.findIndex((c) => names(c) !== null && names(c) !== this.namesKey);
    return cut < 0 ? changes.length : cut;
  }

  private async adoptVersion(signature: string, definition: ColumnDefinition[]): Promise<void> {
    const version = await recordColumns(this.deps.driver, this.name, signature, definition);
    this.signature = signature;
    if (version !== null && version !== this.version) {
      this.deps.logger.info({ table: this.name, schemaVersion: version }, 'table columns changed; new schema version');
      this.version = version;
    }
  }

  private warnInvalid(columns: string[]): void {
    const key = columns.join(',');
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.deps.logger.warn(
      { table: this.name, columns },
      'column values did not match their declared type; sent as plain JSON (report this: the type mapping misses a case)',
    );
  }

  private requireOpen(): CapturedTableRow {
    if (this.state !== 'open' || !this.info) throw new Error(`source for ${this.name} is not open`);
    return this.info;
  }
}
