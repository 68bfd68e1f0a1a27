import type { CapturedChange, CaptureMode, Row } from '../../../src/core/change-event.js';
import { IMAGE_TOO_LARGE } from '../trigger/image-expressions.js';
import type { AckToken, ChangeBatch, ChangeSource } from '../../../src/core/change-source.js';
import { FatalCaptureError, UserInputError, ValueLimitError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import { pickColumns } from '../../../src/core/row.js';
import type { MysqlDriver } from '../driver.js';
import { cdcObjectNames } from '../identifiers.js';
import { columnsSignature, describeTable } from '../introspect.js';
import { historyColumns, recordSchemaVersion } from '../schema-history.js';
import { getCaptured, type CapturedTable } from '../state-store.js';
import { decodeBinlogRow, type BinlogColumn } from '../types/binlog-decoder.js';
import { decodeImage } from '../types/image-decoder.js';
import { loadBinlogCheckpoint, saveBinlogCheckpoint } from './checkpoint.js';
import type { BinlogDemux, QueuedChange, Subscription } from './demux.js';
import { DrainLock } from './drain-lock.js';
import { compareCoords, compareKeys, formatKey, keyAfterAll, type BinlogCheckpoint, type BinlogCoord } from './position.js';

export interface BinlogSourceOptions {
  /** An idle table's checkpoint follows the stream at most this often, bounding replay on restart. */
  keepAliveMs: number;
  mariadb: boolean;
}

interface BinlogAckToken extends AckToken {
  readonly checkpoint: BinlogCheckpoint;
}

const isBinlogToken = (t: AckToken): t is BinlogAckToken => typeof (t as { checkpoint?: unknown }).checkpoint === 'object';

/**
 * One table's changes from the shared binlog stream (demux.ts). The durable state is the
 * checkpoint (position.ts); read() hands out what the demux queued for this table, ack() moves
 * the checkpoint to the batch's last change. After a crash the next open() subscribes at the
 * checkpoint: the stream restarts at its `resume` boundary and skips up to its `after` key, so
 * unacknowledged changes come again with the same keys, hence the same event_ids.
 */
export class BinlogTableSource implements ChangeSource {
  readonly mode: CaptureMode = 'binlog';
  private readonly name: string;
  private readonly lock: DrainLock;
  private sub: Subscription | null = null;
  private captured: CapturedTable | null = null;
  private columns = new Map<string, BinlogColumn>();
  private persisted: BinlogCheckpoint | null = null;
  private readonly outstanding = new Set<BinlogAckToken>();
  private lastKeepAlive = Date.now();
  private stopAt: BinlogCoord | null = null;

  constructor(
    private readonly driver: MysqlDriver,
    private readonly demux: BinlogDemux,
    readonly table: TableRef,
    private readonly logger: Logger,
    private readonly options: BinlogSourceOptions,
  ) {
    this.name = qualifiedName(table);
    this.lock = new DrainLock(driver, cdcObjectNames(table).drainLock, this.name);
  }

  async open(): Promise<void> {
    this.captured = await getCaptured(this.driver, this.name);
    if (!this.captured) throw new UserInputError(`${this.name} is not set up for capture; run cdc install-triggers --table ${this.name}`);
    await this.lock.ensure();
    await this.loadColumns();
    const checkpoint = await loadBinlogCheckpoint(this.driver, this.name);
    if (!checkpoint) throw new FatalCaptureError(`${this.name} has no binlog position; move it with cdc upgrade --to binlog`);
    this.persisted = checkpoint;
    this.sub = this.demux.subscribe(this.table, checkpoint.after, checkpoint.resume);
    this.sub.stopAt = this.stopAt;
  }

  schemaVersion(): number {
    return this.captured?.schemaVersion ?? 1;
  }

  /** Switch to trigger capture: changes committed after `c` are the change log's to deliver. */
  stopAfter(c: BinlogCoord): void {
    this.stopAt = c;
    if (this.sub) {
      this.sub.stopAt = c;
      this.demux.applyStop(this.sub);
    }
  }

  /** With a stop set: every change up to it has been read and acknowledged. */
  get drained(): boolean {
    const position = this.demux.position;
    return (
      this.stopAt !== null &&
      this.sub !== null &&
      this.sub.queue.length === 0 &&
      this.outstanding.size === 0 &&
      position !== null &&
      compareCoords(position, this.stopAt) >= 0
    );
  }

  async read(maxChanges: number): Promise<ChangeBatch> {
    const sub = this.sub;
    if (!sub) throw new Error('read() called before open()');
    await this.lock.ensure();
    this.demux.poll();
    const items = this.demux.take(sub, maxChanges);
    if (items.length === 0) {
      await this.keepAlive(sub);
      return { changes: [], ack: {} };
    }
    let changes: CapturedChange[];
    try {
      changes = [];
      for (const item of items) changes.push(await this.toChange(item));
    } catch (err) {
      // Back into the queue: a failed read must not lose changes that only live in memory.
      this.demux.putBack(sub, items);
      throw err;
    }
    const last = items[items.length - 1]!;
    const token: BinlogAckToken = { checkpoint: { resume: last.start, after: last.key, ts: new Date(last.raw.ts).toISOString() } };
    this.outstanding.add(token);
    return { changes, ack: token };
  }

  async ack(token: AckToken): Promise<void> {
    if (!isBinlogToken(token) || !this.outstanding.has(token)) return;
    await saveBinlogCheckpoint(this.driver, this.name, token.checkpoint);
    this.persisted = token.checkpoint;
    this.outstanding.delete(token);
  }

  async close(): Promise<void> {
    if (this.sub) this.demux.unsubscribe(this.sub);
    this.sub = null;
    await this.lock.release();
  }

  /**
   * With nothing queued or unacknowledged, everything of this table before the stream's position
   * has been delivered: move the checkpoint there, so a restart does not replay an idle table's
   * whole history and `cdc status` can tell it is not behind.
   */
  private async keepAlive(sub: Subscription): Promise<void> {
    if (Date.now() - this.lastKeepAlive < this.options.keepAliveMs || this.outstanding.size > 0 || sub.queue.length > 0) return;
    this.lastKeepAlive = Date.now();
    const position = this.demux.position;
    if (!position || !this.persisted) return;
    const after = keyAfterAll(position);
    if (compareKeys(after, this.persisted.after) <= 0) return;
    const ts = this.demux.positionTs > 0 ? new Date(this.demux.positionTs).toISOString() : this.persisted.ts;
    const checkpoint: BinlogCheckpoint = { resume: position, after, ts };
    await saveBinlogCheckpoint(this.driver, this.name, checkpoint);
    this.persisted = checkpoint;
    if (compareKeys(after, sub.cursor) > 0) sub.cursor = after;
  }

  private async toChange(item: QueuedChange): Promise<CapturedChange> {
    const { raw, key } = item;
    if (!item.snapshot && !this.fits(raw.after ?? raw.before!)) await this.loadColumns();
    let operation: CapturedChange['operation'] = raw.op;
    let before: Row | null;
    let after: Row | null;
    try {
      if (item.snapshot) {
        // A snapshot row: the trigger's image of the row (snapshot-rows.ts), decoded as trigger
        // mode decodes it, so SNAPSHOT values are the same whichever mode the table is in.
        operation = 'SNAPSHOT';
        before = null;
        after = decodeImage(item.snapshot.image);
        if (Object.hasOwn(after, IMAGE_TOO_LARGE)) {
          // Copied by key only: the row's image would pass max_allowed_packet (image-expressions.ts).
          const { [IMAGE_TOO_LARGE]: bytes, ...keyOnly } = after;
          const position = formatKey(key);
          return {
            operation, before: null, after: null, primaryKey: pickColumns(keyOnly, this.captured!.keyColumns),
            timestamp: new Date(raw.ts).toISOString(),
            transactionId: item.gtid ?? item.xid,
            changeId: position,
            position,
            sourceExtra: { binlog_file: key.file, binlog_pos: key.end, row: key.ord, gtid: item.gtid },
            failure: `binlog change ${position}: the row's image was ${String(bytes)} bytes, more than half the server's max_allowed_packet, so the snapshot copied its key only (docs/mysql-trigger.md)`,
          };
        }
      } else {
        before = raw.before ? decodeBinlogRow(raw.before, this.columns, this.options.mariadb) : null;
        after = raw.after ? decodeBinlogRow(raw.after, this.columns, this.options.mariadb) : null;
      }
    } catch (err) {
      if (err instanceof ValueLimitError) {
        // A value beyond the decoders' limits fails this change alone (the oversize policy applies).
        const position = formatKey(key);
        return {
          operation, before: null, after: null, primaryKey: null,
          timestamp: new Date(raw.ts).toISOString(),
          transactionId: item.gtid ?? item.xid,
          changeId: position,
          position,
          sourceExtra: { binlog_file: key.file, binlog_pos: key.end, row: key.ord, gtid: item.gtid },
          failure: `binlog change ${position}: ${err.message}`,
        };
      }
      throw new FatalCaptureError(`cannot decode binlog change ${formatKey(key)} of ${this.name}: ${(err as Error).message}`, { cause: err });
    }
    // A snapshot image with another column set than the stream's means an ALTER TABLE: bump the
    // schema version before emitting it, as a row change of the new shape would.
    if (item.snapshot && !this.fits(after!)) await this.loadColumns();
    const captured = this.captured!;
    const keyImage = operation === 'DELETE' ? before! : after!;
    const primaryKey = pickColumns(keyImage, captured.keyColumns);
    const position = formatKey(key);
    return {
      operation,
      before,
      after,
      primaryKey,
      timestamp: new Date(raw.ts).toISOString(),
      transactionId: item.gtid ?? item.xid,
      changeId: position,
      position,
      sourceExtra: { binlog_file: key.file, binlog_pos: key.end, row: key.ord, gtid: item.gtid },
      ...(item.transaction ? { transaction: item.transaction } : {}),
    };
  }

  private fits(image: Record<string, unknown>): boolean {
    const names = Object.keys(image);
    return names.length === this.columns.size && names.every((n) => this.columns.has(n));
  }

  /**
   * (Re)reads the columns. An ALTER TABLE while streaming shows up as rows with another column
   * set; a changed signature bumps the table's schema_version, as a trigger re-install does.
   */
  private async loadColumns(): Promise<void> {
    const info = await describeTable(this.driver, this.table);
    if (!info) throw new FatalCaptureError(`${this.name} no longer exists`);
    this.columns = new Map(info.columns.map((c) => [c.name, c]));
    const signature = columnsSignature(info.columns);
    const captured = this.captured!;
    if (signature === captured.columnsSignature) return;
    await this.driver.transaction(async (q) => {
      const { affectedRows } = await q.exec(
        'UPDATE cdc_captured_tables SET schema_version = schema_version + 1, columns_signature = ? WHERE table_name = ? AND columns_signature = ?',
        [signature, this.name, captured.columnsSignature],
      );
      if (affectedRows !== 1) return;
      await recordSchemaVersion(q, this.name, captured.schemaVersion + 1, historyColumns(info.columns)).catch((err: unknown) => {
        // A database not yet migrated to 003 (no install since the upgrade of cdc) has no history table.
        if ((err as { code?: string } | null)?.code !== 'ER_NO_SUCH_TABLE') throw err;
      });
    });
    this.captured = (await getCaptured(this.driver, this.name)) ?? captured;
    this.logger.info({ table: this.name, schemaVersion: this.captured.schemaVersion }, 'columns changed; schema version bumped');
  }
}
