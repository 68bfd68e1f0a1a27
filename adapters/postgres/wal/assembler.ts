import type { CapturedChange } from '../../../src/core/change-event.js';
import { ValueLimitError } from '../../../src/core/errors.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import type { WalBoundary } from './boundary.js';
import type { ColumnTracker } from './columns.js';
import { decodeJsonbImage, type DecodedImage } from '../types/jsonb-decoder.js';
import { decodeRecordImage } from '../types/record-image.js';
import { decodeRowMessage, pickKey } from './decode.js';
import { formatLsn, parseLsn, widenXid } from './lsn.js';
import { walChangeId, type ChangeRef } from './position.js';
import type { PgoutputMessage } from './replication.js';
import { visibleIn } from './snapshot.js';
import { isTransactionEvent, type TransactionMark } from '../../../src/core/transaction-mark.js';

/** What the stream yields to the source, in stream (commit) order. */
export type StreamItem =
  | { kind: 'change'; ref: ChangeRef; change: CapturedChange }
  /** Every transaction committing before `lsn` has been passed on: a position safe to confirm. */
  | { kind: 'progress'; lsn: bigint }
  /** `cdc upgrade --to trigger` committed here: this and later transactions belong to the trigger log. */
  | { kind: 'switch' };

export interface AssemblerContext {
  table: TableRef;
  /** The table's OID when it was opened: follows a rename, where the name would not. */
  tableOid: number | null;
  keyColumns: readonly string[];
  columns: ColumnTracker;
  boundary: WalBoundary | null;
  /** Prefix of the transactional message `cdc upgrade --to trigger` writes for this slot. */
  switchPrefix: string;
  /** Prefix of the transactional messages carrying snapshot rows (adapters/postgres/snapshot/chunk.ts). */
  snapshotPrefix: string;
  /** A recent full (64-bit) xid, to widen pgoutput's 32-bit xids. */
  xidReference(): bigint;
  onOmitted(columns: string[]): void;
  onInvalid(columns: string[]): void;
}

interface OpenTxn {
  commit: bigint;
  xid: bigint;
  timestamp: string;
  ordinal: number;
  /** Delivered by the trigger log before the switch to WAL (see boundary.ts). */
  delivered: boolean;
  switchMarker: boolean;
  /** Row changes so far: the transaction's events in Debezium's counting (transaction-marks.ts). */
  events: number;
  /**
   * The last row change and what followed it, held back until the next row change or the commit:
   * only then is it known whether it ends the transaction (its mark then carries the END counts).
   */
  held: StreamItem[];
}

/**
 * Turns pgoutput messages into changes of one table. pgoutput (protocol 1) sends each transaction
 * whole, at its commit, in commit order: BEGIN, Relation/row messages, COMMIT; non-transactional
 * messages (our heartbeats) arrive between transactions, at their WAL position.
 */
export class StreamAssembler {
  private txn: OpenTxn | null = null;
  private lsn: bigint | null = null;

  constructor(
    private readonly ctx: AssemblerContext,
    private readonly emit: (item: StreamItem) => Promise<void>,
  ) {}

  /** `lsn`: the message's own WAL position (a row change's LSN), when the stream gives it. */
  async handle(msg: PgoutputMessage, lsn?: string): Promise<void> {
    this.lsn = lsn !== undefined ? parseLsn(lsn) : null;
    switch (msg.tag) {
      case 'begin': {
        const commit = parseLsn(msg.commitLsn!);
        const b = this.ctx.boundary;
        const xid = widenXid(msg.xid, b?.delivered && commit < b.deliveredBefore ? b.delivered.xmax : this.ctx.xidReference());
        const delivered = b?.delivered != null && commit < b.deliveredBefore && visibleIn(xid, b.delivered);
        this.txn = { commit, xid, timestamp: commitTimestamp(msg.commitTime as bigint), ordinal: 0, delivered, switchMarker: false, events: 0, held: [] };
        return;
      }
      case 'relation':
        if (this.isOurs(msg)) await this.ctx.columns.reload();
        return;
      case 'insert':
      case 'update':
      case 'delete': {
        const txn = this.txn;
        if (!txn || txn.delivered || !this.isOurs(msg.relation)) return;
        let row: ReturnType<typeof decodeRowMessage>;
        try {
          row = decodeRowMessage(msg, this.ctx.columns.types);
          if (row.unknown.length > 0) {
            await this.ctx.columns.reload();
            row = decodeRowMessage(msg, this.ctx.columns.types);
          }
        } catch (err) {
          if (!(err instanceof ValueLimitError)) throw err;
          // A value beyond the decoders' limits fails this change alone (the oversize policy applies).
          const operation = msg.tag === 'insert' ? 'INSERT' : msg.tag === 'update' ? 'UPDATE' : 'DELETE';
          await this.push(txn, { operation, before: null, after: null, primaryKey: null, extra: {}, failure: `WAL change: ${err.message}` });
          return;
        }
        if (row.omitted.length > 0) this.ctx.onOmitted(row.omitted);
        if (row.invalid.length > 0) this.ctx.onInvalid(row.invalid);
        const keySource = row.after ?? row.before;
        await this.push(txn, {
          operation: row.operation,
          before: row.before,
          after: row.after,
          primaryKey: keySource ? pickKey(keySource, this.ctx.keyColumns) : null,
          extra: row.omitted.length > 0 ? { unchanged_toast_omitted: row.omitted } : {},
        });
        return;
      }
      case 'truncate': {
        const txn = this.txn;
        if (!txn || txn.delivered || !msg.relations.some((r) => r && this.isOurs(r))) return;
        await this.push(txn, { operation: 'TRUNCATE', before: null, after: null, primaryKey: null, extra: {} });
        return;
      }
      case 'message':
        if (!msg.transactional) await this.emit({ kind: 'progress', lsn: parseLsn(msg.messageLsn!) });
        else if (this.txn && msg.prefix === this.ctx.switchPrefix) this.txn.switchMarker = true;
        else if (this.txn && !this.txn.delivered && msg.prefix === this.ctx.snapshotPrefix) await this.pushSnapshotRow(this.txn, msg.content);
        return;
      case 'commit': {
        const txn = this.txn;
        this.txn = null;
        if (txn) await this.release(txn, true);
        if (txn?.switchMarker) await this.emit({ kind: 'switch' });
        else await this.emit({ kind: 'progress', lsn: parseLsn(msg.commitEndLsn!) });
        return;
      }
      default:
        return; // type and origin messages carry nothing we use
    }
  }

  /**
   * One snapshot row: `[column names, record text]` (snapshot/chunk.ts), or the `to_jsonb` object
   * an earlier version sent, decoded like a trigger-log image so SNAPSHOT events carry the same
   * values whichever mode the table is in.
   */
  private async pushSnapshotRow(txn: OpenTxn, content: Uint8Array): Promise<void> {
    const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8');
    const decode = (): DecodedImage => {
      if (!text.startsWith('[')) return decodeJsonbImage(this.ctx.columns.types, text);
      const [columns, record] = JSON.parse(text) as [string[] | null, string];
      return decodeRecordImage(this.ctx.columns.types, columns ?? [], record);
    };
    let image: DecodedImage;
    try {
      image = decode();
      if (image.unknownColumns.length > 0) {
        await this.ctx.columns.reload();
        image = decode();
      }
    } catch (err) {
      if (!(err instanceof ValueLimitError)) throw err;
      await this.push(txn, { operation: 'SNAPSHOT', before: null, after: null, primaryKey: null, extra: {}, failure: `WAL snapshot row: ${err.message}` });
      return;
    }
    if (image.invalidColumns.length > 0) this.ctx.onInvalid(image.invalidColumns);
    await this.push(txn, { operation: 'SNAPSHOT', before: null, after: image.row, primaryKey: pickKey(image.row, this.ctx.keyColumns), extra: {} });
  }

  private async push(
    txn: OpenTxn,
    c: Pick<CapturedChange, 'operation' | 'before' | 'after' | 'primaryKey' | 'failure'> & { extra: Record<string, unknown> },
  ): Promise<void> {
    txn.ordinal++;
    const ref = { commit: txn.commit, ordinal: txn.ordinal };
    const id = walChangeId(txn.commit, txn.ordinal);
    const txid = txn.xid.toString();
    const counted = isTransactionEvent(c.operation);
    const mark = counted ? this.mark(txn) : undefined;
    const item: StreamItem = {
      kind: 'change',
      ref,
      change: {
        operation: c.operation,
        before: c.before,
        after: c.after,
        primaryKey: c.primaryKey,
        timestamp: txn.timestamp,
        transactionId: txid,
        changeId: id,
        position: id,
        sourceExtra: { txid, lsn: formatLsn(txn.commit), ...c.extra },
        ...(c.failure !== undefined ? { failure: c.failure } : {}),
        ...(mark ? { transaction: mark } : {}),
      },
    };
    if (counted) {
      await this.release(txn, false);
      txn.held.push(item);
    } else if (txn.held.length > 0) txn.held.push(item);
    else await this.emit(item);
  }

  /**
   * Debezium's PostgreSQL transaction id is `<32-bit xid>:<LSN>`, the LSN being that of the record
   * at hand: each event's own, the first event's for BEGIN. Without the message's LSN (never from
   * the server; only hand-built streams) the commit LSN stands in.
   */
  private mark(txn: OpenTxn): TransactionMark {
    txn.events++;
    const xid = txn.xid & 0xffffffffn;
    return {
      id: `${xid}:${this.lsn ?? txn.commit}`,
      totalOrder: txn.events,
      collectionOrder: txn.events,
      begin: txn.events === 1,
      end: null,
      timestamp: txn.timestamp,
      // Debezium's END names whatever LSN its stream reached next; the commit's is cdc's.
      endId: `${xid}:${txn.commit}`,
    };
  }

  /** Passes on what was held; at the commit, the held row change is the transaction's last. */
  private async release(txn: OpenTxn, committed: boolean): Promise<void> {
    const held = txn.held;
    txn.held = [];
    const first = held[0];
    if (committed && first?.kind === 'change' && first.change.transaction) {
      const name = `${this.ctx.table.schema}.${this.ctx.table.name}`;
      first.change.transaction.end = { eventCount: txn.events, collections: [{ name, eventCount: txn.events }] };
    }
    for (const item of held) await this.emit(item);
  }

  private isOurs(rel: { relationOid: number; schema: string; name: string }): boolean {
    if (this.ctx.tableOid !== null) return rel.relationOid >>> 0 === this.ctx.tableOid; // read as int32 by the library
    return rel.schema === this.ctx.table.schema && rel.name === this.ctx.table.name;
  }
}

/** pgoutput's commit time (µs since the Unix epoch, as the library converts it) → ISO-8601 UTC with µs. */
export function commitTimestamp(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${iso}.${fraction.toString().padStart(6, '0')}Z`;
}
