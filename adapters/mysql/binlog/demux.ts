import { FatalCaptureError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import { Backoff } from '../../../src/pipeline/backoff.js';
import { streamError } from './errors.js';
import { compareCoords, compareKeys, formatCoord, minCoord, type BinlogCoord, type ChangeKey } from './position.js';
import type { BinlogReader, ReaderEvents, TableFilter } from './reader.js';
import { isSnapshotRowsChange, snapshotRowOf, SNAPSHOT_ROWS_TABLE, type SnapshotRow } from './snapshot-rows.js';
import type { TransactionMark } from '../../../src/core/transaction-mark.js';
import { transactionMarks } from './transaction-marks.js';
import type { BinlogTransaction, RawChange } from './transactions.js';

/** A committed row change waiting for its table's source to read it. */
export interface QueuedChange {
  raw: RawChange;
  key: ChangeKey;
  /** Boundary before its transaction: the resume coordinate of a checkpoint ending at this change. */
  start: BinlogCoord;
  gtid: string | null;
  xid: string | null;
  /**
   * Set when the change is a row of the table's snapshot (an INSERT into cdc_snapshot_rows, whose
   * `raw` it is): emitted as SNAPSHOT of `snapshot.image`, at this key.
   */
  snapshot: SnapshotRow | null;
  /** Its place among the transaction's row changes of every table this stream serves (transaction-marks.ts). */
  transaction: TransactionMark | null;
}

/** One binlog-mode table's share of the stream. */
export interface Subscription {
  readonly table: TableRef;
  queue: QueuedChange[];
  /** The last change handed to the queue (or acknowledged before a restart); older ones are skipped. */
  cursor: ChangeKey;
  /** During a switch to trigger capture: changes committed after this coordinate belong to the log. */
  stopAt: BinlogCoord | null;
}

export interface DemuxOptions {
  /** Stop reading at the next transaction boundary once this many changes wait in queues… */
  highWater: number;
  /** …and read on once they are down to this many. */
  lowWater: number;
}

type State = 'idle' | 'running' | 'paused' | 'failed';

/**
 * One binlog stream per source database, shared by its binlog-mode tables (docs/mysql-binlog.md,
 * "One stream, many tables"). Each committed transaction is split by table; a change gets its key
 * (commit offset + the table's row ordinal in the transaction) and goes to its table's queue unless
 * the table already has it (key ≤ cursor), so the stream can restart from any earlier boundary —
 * after an error, for back-pressure, or because a table joined with an older position — without
 * duplicating anything in a queue.
 *
 * Back-pressure stops the reader at a transaction boundary instead of pausing the socket: zongji
 * pauses and resumes that socket itself while it fetches table metadata, and a resume of ours in
 * that window would let rows through before their table map is known (zongji then drops them).
 */
export class BinlogDemux {
  private readonly subs = new Map<string, Subscription>();
  private state: State = 'idle';
  private startPoint: BinlogCoord | null = null;
  private failure: { error: Error; retryAt: number } | null = null;
  private readonly backoff = new Backoff(500, 30_000);
  private queued = 0;
  private lastTs = 0;
  private readonly reader: BinlogReader;

  constructor(
    createReader: (events: ReaderEvents) => BinlogReader,
    private readonly logger: Logger,
    private readonly options: DemuxOptions,
  ) {
    this.reader = createReader({
      transaction: (tx) => this.onTransaction(tx),
      rolledBack: (changes) => this.onRolledBack(changes),
      unsupported: (message) => this.onFailure(new FatalCaptureError(message)),
      failed: (err) => this.onFailure(err),
    });
  }

  /**
   * How far the stream has been processed for every subscription (conservative: after a restart
   * from an older coordinate it reports that coordinate until the reader has caught up).
   */
  get position(): BinlogCoord | null {
    return this.state === 'running' ? this.reader.position : this.startPoint;
  }

  /** Source time (ms) of the last transaction processed; 0 before any. */
  get positionTs(): number {
    return this.lastTs;
  }

  subscribe(table: TableRef, cursor: ChangeKey, resume: BinlogCoord): Subscription {
    const name = qualifiedName(table);
    if (this.subs.has(name)) throw new Error(`${name} is already streaming from the binlog`);
    const sub: Subscription = { table, queue: [], cursor, stopAt: null };
    this.subs.set(name, sub);
    // A new table filter, and maybe an older position: restart from the oldest coordinate anyone
    // still needs. Changing filters mid-stream could drop a table map of the current transaction.
    const current = this.position;
    this.halt('idle');
    this.startPoint = current ? minCoord(current, resume) : resume;
    return sub;
  }

  unsubscribe(sub: Subscription): void {
    const name = qualifiedName(sub.table);
    if (this.subs.get(name) !== sub) return;
    this.subs.delete(name);
    this.queued -= sub.queue.length;
    sub.queue = [];
    if (this.subs.size === 0) {
      this.halt('idle');
      this.startPoint = null;
    }
  }

  /** Takes up to `max` queued changes of one table, oldest first. */
  take(sub: Subscription, max: number): QueuedChange[] {
    const taken = sub.queue.splice(0, max);
    this.queued -= taken.length;
    return taken;
  }

  /** Returns changes a failed read took, to the front of the queue. */
  putBack(sub: Subscription, items: QueuedChange[]): void {
    sub.queue.unshift(...items);
    this.queued += items.length;
  }

  /** Drops queued changes committed after `stopAt` (a switch boundary was just set). */
  applyStop(sub: Subscription): void {
    if (!sub.stopAt) return;
    const stop = sub.stopAt;
    const kept = sub.queue.filter((c) => compareCoords({ file: c.key.file, pos: c.key.end }, stop) <= 0);
    this.queued -= sub.queue.length - kept.length;
    sub.queue = kept;
  }

  /**
   * Called by every source's read(): starts or restarts the reader as needed, and reports a failed
   * stream — retryably while it is being retried, fatally when retrying cannot help.
   */
  poll(): void {
    if (this.subs.size === 0) return;
    if (this.state === 'failed') {
      const f = this.failure!;
      if (f.error instanceof FatalCaptureError) throw f.error;
      if (Date.now() < f.retryAt) throw f.error;
      this.start();
    } else if (this.state === 'idle' || (this.state === 'paused' && this.queued <= this.options.lowWater)) {
      this.start();
    }
  }

  close(): void {
    this.halt('idle');
    this.subs.clear();
  }

  private start(): void {
    const from = this.startPoint ?? this.reader.position;
    if (!from) return;
    const filter: TableFilter = {};
    for (const sub of this.subs.values()) (filter[sub.table.schema] ??= []).push(sub.table.name);
    // Snapshot rows of every subscribed table arrive through cdc's own table (snapshot-rows.ts).
    (filter[this.reader.stateDatabase] ??= []).push(SNAPSHOT_ROWS_TABLE);
    this.startPoint = from;
    this.state = 'running';
    this.reader.start(from, filter);
  }

  /** Stops the reader; the next start continues from the last boundary it completed. */
  private halt(next: Exclude<State, 'running'>): void {
    if (this.state === 'running') this.startPoint = this.reader.position ?? this.startPoint;
    this.reader.stop();
    this.state = next;
  }

  private onTransaction(tx: BinlogTransaction): void {
    this.lastTs = tx.ts;
    this.failure = null;
    this.backoff.reset();
    const ordinals = new Map<Subscription, number>();
    const stateDatabase = this.reader.stateDatabase;
    const marks = transactionMarks(tx, (raw) => !isSnapshotRowsChange(raw, stateDatabase) && this.subs.has(`${raw.schema}.${raw.table}`));
    for (const [i, raw] of tx.changes.entries()) {
      // A snapshot row counts among its table's rows of the transaction, in binlog order like the
      // others, so its key (and event_id) is the same on every read of the binlog.
      let snapshot: SnapshotRow | null = null;
      let sub: Subscription | undefined;
      if (isSnapshotRowsChange(raw, stateDatabase)) {
        try {
          snapshot = snapshotRowOf(raw);
        } catch (err) {
          this.onFailure(new FatalCaptureError((err as Error).message, { cause: err }));
          return;
        }
        if (!snapshot) continue; // the chunk's DELETE that keeps the table empty
        sub = this.subs.get(snapshot.table);
      } else {
        sub = this.subs.get(`${raw.schema}.${raw.table}`);
      }
      if (!sub) continue;
      const ord = ordinals.get(sub) ?? 0;
      ordinals.set(sub, ord + 1);
      const key: ChangeKey = { file: tx.end.file, end: tx.end.pos, ord };
      if (compareKeys(key, sub.cursor) <= 0) continue;
      if (sub.stopAt && compareCoords(tx.end, sub.stopAt) > 0) continue;
      sub.queue.push({ raw, key, start: tx.start, gtid: tx.gtid, xid: tx.xid, snapshot, transaction: marks[i] ?? null });
      sub.cursor = key;
      this.queued++;
    }
    if (this.queued > this.options.highWater) this.halt('paused');
  }

  private onFailure(err: unknown): void {
    const where = formatCoord(this.reader.position ?? this.startPoint ?? { file: '?', pos: 0 });
    const error = err instanceof FatalCaptureError ? err : streamError(err, where);
    this.halt('failed');
    const delay = this.backoff.nextDelayMs();
    // A stream that fails at the same place again and again is not going to recover by itself.
    const fatal = this.backoff.attempts >= 8 && !(error instanceof FatalCaptureError)
      ? new FatalCaptureError(`${error.message} (failed ${this.backoff.attempts} times in a row)`, { cause: err })
      : error;
    this.failure = { error: fatal, retryAt: Date.now() + delay };
    this.logger.warn({ err: fatal.message, retryInMs: delay }, 'binlog stream failed');
  }

  private onRolledBack(changes: RawChange[]): void {
    const tables = [...new Set(changes.map((c) => `${c.schema}.${c.table}`))].filter((t) => this.subs.has(t));
    if (tables.length > 0) {
      this.logger.warn({ tables }, 'a rolled-back binlog group changed captured rows (non-transactional table?); not emitted');
    }
  }
}

