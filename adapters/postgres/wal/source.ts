import type { AckToken, ChangeBatch, ChangeSource } from '../../../src/core/change-source.js';
import type { CapturedChange } from '../../../src/core/change-event.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import type { PgDriver } from '../driver.js';
import { findTable } from '../introspect.js';
import { getCaptured } from '../state-store.js';
import { StreamAssembler, type StreamItem } from './assembler.js';
import { parseBoundary, type WalBoundary } from './boundary.js';
import { ColumnTracker } from './columns.js';
import type { WalConfig } from './config.js';
import { Confirmations } from './confirmations.js';
import { maxLsn } from './lsn.js';
import { messagePrefix } from './names.js';
import { after, readWalCheckpoint, WalAck, type ChangeRef, type WalCheckpoint } from './position.js';
import { ItemQueue } from './queue.js';
import { startStream, type ReplicationStream } from './replication.js';
import { streamError } from './stream-errors.js';

interface Connection {
  stream: ReplicationStream | null;
  queue: ItemQueue;
  error: unknown;
}

export interface WalSourceDeps {
  driver: PgDriver;
  /** Connection string for replication connections. */
  url: string;
  logger: Logger;
  config: WalConfig;
  ready: () => Promise<void>;
}

/**
 * Streams one table from its logical replication slot (pgoutput). The stream is read ahead into a
 * bounded queue; the pipeline's read() takes from it. Three positions, in this order:
 *   confirmed ≤ read ≤ received
 * `confirmed` is what the sink acknowledged (confirmations.ts). A restart (or a reconnect
 * in this process, from `read`) re-streams from a transaction boundary; changes at or before the
 * read cursor are dropped by (commit LSN, ordinal), so nothing is emitted twice in one session.
 */
export class WalSource implements ChangeSource {
  readonly mode = 'wal' as const;
  private readonly name: string;
  private slot = '';
  private publication = '';
  private keyColumns: string[] = [];
  private boundary: WalBoundary | null = null;
  private columns: ColumnTracker;
  private tableOid: number | null = null;
  private conn: Connection | null = null;
  private readResume = 0n;
  private readCursor: ChangeRef | null = null;
  private readPartial: ChangeRef | null = null;
  private confirmations: Confirmations | null = null;
  private switched = false;
  private xidRef = 0n;
  private readonly warned = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private state: 'new' | 'open' | 'closed' = 'new';

  constructor(
    readonly table: TableRef,
    private readonly deps: WalSourceDeps,
  ) {
    this.name = qualifiedName(table);
    this.columns = new ColumnTracker(deps.driver, table, this.name, deps.logger);
  }

  /** True once the stream reached the switch marker of `cdc upgrade --to trigger`. */
  get finished(): boolean {
    return this.switched;
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new Error(`WAL source for ${this.name} was already opened`);
    await this.deps.ready();
    const info = await getCaptured(this.deps.driver, this.name);
    if (!info || info.mode !== 'wal' || !info.walSlot || !info.walPublication) {
      throw new UserInputError(`table ${this.name} is not in WAL capture mode; run cdc upgrade --table ${this.name} --to wal`);
    }
    this.slot = info.walSlot;
    this.publication = info.walPublication;
    this.keyColumns = info.keyColumns;
    this.boundary = parseBoundary(info.walBoundary);
    const checkpoint: WalCheckpoint | null = await readWalCheckpoint(this.deps.driver, this.name);
    this.readResume = checkpoint?.resume ?? this.boundary?.start ?? 0n;
    this.readCursor = checkpoint?.partial ?? null;
    this.readPartial = checkpoint?.partial ?? null;
    this.confirmations = new Confirmations(
      { q: this.deps.driver, tableName: this.name, logger: this.deps.logger, confirm: (lsn) => this.conn?.stream?.confirm(lsn) },
      this.readResume,
    );
    this.tableOid = (await findTable(this.deps.driver, this.table))?.oid ?? null;
    this.columns.init(info.schemaVersion, info.columnSignature);
    await this.columns.reload();
    await this.heartbeat(false);
    await this.connect();
    const { heartbeatMs, statusIntervalMs } = this.deps.config;
    this.timers.push(setInterval(() => void this.heartbeat(true), heartbeatMs).unref());
    this.timers.push(setInterval(() => this.conn?.stream?.confirm(this.confirmations!.confirmed), statusIntervalMs).unref());
    this.state = 'open';
  }

  async read(maxChanges: number): Promise<ChangeBatch> {
    this.requireOpen();
    if (this.switched) return { changes: [], ack: new WalAck(this, null) };
    const conn = this.conn ?? (await this.connect());
    const changes: CapturedChange[] = [];
    while (changes.length < maxChanges) {
      const item = conn.queue.peek();
      if (!item) break;
      if (item.kind === 'switch') {
        // Left in the queue and never confirmed: after a crash the marker streams again.
        this.switched = true;
        this.deps.logger.info({ table: this.name }, 'WAL stream reached the switch to trigger capture');
        void this.dropConnection();
        break;
      }
      conn.queue.shift();
      if (item.kind === 'change') {
        changes.push(item.change);
        this.readCursor = this.readPartial = item.ref;
      } else {
        this.readResume = maxLsn(this.readResume, item.lsn);
        this.readPartial = null;
      }
    }
    if (changes.length === 0) {
      if (conn.error !== null && !this.switched) {
        await this.dropConnection();
        throw streamError(conn.error, this.slot, this.name);
      }
      this.confirmations!.progress(this.readResume);
      return { changes, ack: new WalAck(this, null) };
    }
    this.confirmations!.batchRead();
    return { changes, ack: new WalAck(this, { resume: this.readResume, partial: this.readPartial }) };
  }

  async ack(token: AckToken): Promise<void> {
    this.requireOpen();
    if (!(token instanceof WalAck) || token.owner !== this) throw new Error(`ack token does not belong to the WAL source of ${this.name}`);
    if (token.checkpoint) await this.confirmations!.acknowledge(token.checkpoint);
  }

  schemaVersion(): number {
    return this.columns.version;
  }

  async close(): Promise<void> {
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (wasOpen) await this.confirmations?.settled();
    await this.dropConnection();
  }

  private async connect(): Promise<Connection> {
    const conn: Connection = { stream: null, queue: new ItemQueue(this.deps.config.maxBufferedChanges), error: null };
    const assembler = new StreamAssembler(
      {
        table: this.table,
        tableOid: this.tableOid,
        keyColumns: this.keyColumns,
        columns: this.columns,
        boundary: this.boundary,
        switchPrefix: messagePrefix(this.slot, 'switch'),
        snapshotPrefix: messagePrefix(this.slot, 'snapshot'),
        xidReference: () => this.xidRef,
        onOmitted: (cols) => this.warnOnce('toast', cols, 'unchanged TOASTed columns left out of after_data: the table lost REPLICA IDENTITY FULL; run ALTER TABLE … REPLICA IDENTITY FULL'),
        onInvalid: (cols) =>
          this.warnOnce(cols.join(','), cols, 'column values did not match their declared type; sent as the text PostgreSQL printed (report this: the type mapping misses a case)'),
      },
      (item) => this.accept(conn, item),
    );
    try {
      conn.stream = await startStream(
        { url: this.deps.url, slot: this.slot, publication: this.publication, startLsn: this.readResume },
        {
          onMessage: (msg, lsn) => assembler.handle(msg, lsn).catch((err: unknown) => void (conn.error ??= err)),
          onKeepalive: (replyRequested) => replyRequested && conn.stream?.confirm(this.confirmations!.confirmed),
          onError: (err) => void (conn.error ??= err),
        },
      );
    } catch (err) {
      throw streamError(err, this.slot, this.name);
    }
    this.conn = conn;
    return conn;
  }

  /** Drops what this session already handed out (a reconnect re-streams from a transaction boundary). */
  private async accept(conn: Connection, item: StreamItem): Promise<void> {
    if (conn.error !== null) return;
    if (item.kind === 'change' && !after(item.ref, this.readCursor)) return;
    if (item.kind === 'progress' && item.lsn <= this.readResume) return;
    await conn.queue.push(item);
  }

  private async dropConnection(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    if (!conn) return;
    conn.queue.clear();
    await conn.stream?.stop();
  }

  /** A WAL record that moves the stream on even when nothing is written to this table; also refreshes the xid reference. */
  private async heartbeat(emit: boolean): Promise<void> {
    try {
      const { rows } = await this.deps.driver.query<{ x: string }>(
        emit && !this.switched
          ? `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x, pg_logical_emit_message(false, $1, ''::text)::text AS lsn`
          : `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x, $1::text AS lsn`,
        [messagePrefix(this.slot, 'heartbeat')],
      );
      this.xidRef = BigInt(rows[0]!.x);
    } catch (err) {
      if (!emit) throw err;
      this.deps.logger.debug({ table: this.name, err: String(err) }, 'WAL heartbeat failed');
    }
  }

  private warnOnce(key: string, columns: string[], message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.deps.logger.warn({ table: this.name, columns }, message);
  }

  private requireOpen(): void {
    if (this.state !== 'open') throw new Error(`WAL source for ${this.name} is not open`);
  }
}
