import type { ChangeStream, Document, MongoClient, Timestamp } from 'mongodb';
import type { AckToken, ChangeBatch, ChangeSource } from '../../src/core/change-source.js';
import { OwnershipLostError, UserInputError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { qualifiedName } from '../../src/core/table-ref.js';
import { isInvalidate, toCapturedChanges } from './changes.js';
import type { MongoServerInfo } from './connect.js';
import { classify } from './errors.js';
import { OplogAck, tokenPosition } from './position.js';
import { claimOwnership, getCheckpoint, getRegistration, saveCheckpoint } from './state-store.js';
import { openChangeStream, streamStart, type StreamOptions, type StreamStart } from './stream.js';

export interface OplogSourceOptions extends StreamOptions {
  /**
   * A quiet collection gets no acks, so its stored token ages while the oplog moves on; a token
   * that falls out of the oplog window cannot be resumed. When everything read has been
   * acknowledged, the stream's own resume token (real MongoDB advances it past other
   * collections' changes) is stored at most this often.
   */
  idleCheckpointMs: number;
}

export const OPLOG_SOURCE_DEFAULTS: OplogSourceOptions = { batchSize: 1000, maxAwaitTimeMS: 250, images: true, idleCheckpointMs: 60_000 };

/**
 * One collection's change stream (docs/mongodb-oplog.md). The stream is the read cursor; the
 * durable checkpoint is the resume token of the last acknowledged change in cdc_checkpoints.
 *
 * Backpressure: events are pulled only inside read(), at most `maxChanges` at a time, and read()
 * waits on the network only when it has nothing to return (it takes what the driver already
 * buffered, then returns). Events pulled but not yet converted (a lookup failed) stay in `pending`
 * and are retried by the next read, so a failed read loses nothing and emits nothing twice. After a
 * stream error the stream is reopened after the last event pulled, not after the last ack: events
 * already handed out in this session are not read again.
 */
export class OplogSource implements ChangeSource {
  readonly mode = 'oplog' as const;
  private readonly name: string;
  private state: 'new' | 'open' | 'closed' = 'new';
  private stream: ChangeStream<Document> | null = null;
  private start: StreamStart = {};
  /** Where to reopen after a stream error: after the last event pulled (null: at `start`). */
  private reopenAt: StreamStart | null = null;
  private pending: Document[] = [];
  /** Batches handed out and not yet acknowledged. */
  private inFlight = 0;
  private ackChain: Promise<unknown> = Promise.resolve();
  private savedPosition: string | null = null;
  private savedClusterTime: Timestamp | null = null;
  private lastIdleSave = 0;
  /** The fencing token this source writes checkpoints under (state-store.ts claimOwnership). */
  private generation = 0;
  /** Set once a checkpoint write was refused: another process owns the collection now. */
  private lost: OwnershipLostError | null = null;

  constructor(
    readonly table: TableRef,
    private readonly deps: { client: MongoClient; stateDb: string; server: MongoServerInfo; logger: Logger; options: OplogSourceOptions },
  ) {
    this.name = qualifiedName(table);
  }

  async open(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closed') throw new Error(`source for ${this.name} is closed`);
    const stateDb = this.deps.client.db(this.deps.stateDb);
    const reg = await getRegistration(stateDb, this.name);
    if (!reg) throw new UserInputError(`collection ${this.name} is not registered for capture; run cdc install-triggers --table ${this.name} first`);
    // MongoDB has no session lock that outlives a paused process's lease, so the collection is
    // fenced by generation instead: claiming before reading the checkpoint means a stale owner's
    // later ack can never move the checkpoint this source resumes from (docs/workers.md).
    this.generation = await claimOwnership(stateDb, this.name);
    const cp = await getCheckpoint(stateDb, this.name);
    this.start = streamStart(reg, cp);
    this.savedPosition = cp?.position ?? null;
    this.savedClusterTime = cp?.clusterTime ?? null;
    this.state = 'open';
  }

  async read(maxChanges: number): Promise<ChangeBatch> {
    this.requireOpen();
    if (this.lost) throw this.lost;
    if (!Number.isSafeInteger(maxChanges) || maxChanges < 1) throw new Error(`read(${maxChanges}): need a positive batch size`);
    await this.pull(maxChanges);
    if (this.pending.length === 0) {
      await this.idleCheckpoint();
      return { changes: [], ack: new OplogAck(this, null) };
    }
    const events = this.pending.slice(0, maxChanges);
    const changes = await toCapturedChanges(this.deps.client, this.table, events).catch((err: unknown) => {
      throw classify(err, `looking up documents of ${this.name}`);
    });
    this.pending.splice(0, events.length);
    const last = events[events.length - 1]!;
    const ack = new OplogAck(this, { resumeToken: last._id, position: tokenPosition(last._id), clusterTime: last.clusterTime ?? null });
    // Only skipped event types (DDL): nothing to deliver; the idle checkpoint moves past them later.
    if (changes.length === 0) return { changes, ack: new OplogAck(this, null) };
    this.inFlight++;
    return { changes, ack };
  }

  async ack(token: AckToken): Promise<void> {
    this.requireOpen();
    if (!(token instanceof OplogAck) || token.owner !== this) throw new Error(`ack token does not belong to the source of ${this.name}`);
    const last = token.last;
    if (!last) return;
    const stateDb = this.deps.client.db(this.deps.stateDb);
    const run = this.ackChain
      .catch(() => undefined)
      .then(() => this.fenced(() => saveCheckpoint(stateDb, this.name, last, this.generation)))
      .then(() => {
        this.inFlight--;
        this.savedPosition = last.position;
        this.savedClusterTime = last.clusterTime;
      });
    this.ackChain = run;
    await run;
  }

  schemaVersion(): number {
    // Documents have no declared columns: one schema version for the collection's lifetime.
    return 1;
  }

  async close(): Promise<void> {
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (!wasOpen) return;
    await this.ackChain.catch(() => undefined);
    await this.closeStream();
  }

  /** Fills `pending` up to `max`, waiting on the server only while it is empty. */
  private async pull(max: number): Promise<void> {
    this.stream ??= openChangeStream(this.deps.client, this.table, this.reopenAt ?? this.start, this.deps.server, this.deps.options);
    const stream = this.stream;
    try {
      while (this.pending.length < max) {
        if (this.pending.length > 0 && stream.bufferedCount() === 0) break;
        const event = await stream.tryNext();
        if (!event) break;
        if (isInvalidate(event)) {
          // Real MongoDB ends the stream after a drop or rename (the drop itself was emitted as
          // TRUNCATE). Capture goes on from there, so a collection re-created under the same name
          // is captured again. After a restart, resuming after the drop meets this event again.
          this.reopenAt = { startAfter: event._id as Document };
          await this.closeStream();
          break;
        }
        this.pending.push(event);
        this.reopenAt = { resumeAfter: event._id as Document };
      }
    } catch (err) {
      await this.closeStream();
      throw classify(err, `change stream of ${this.name}`);
    }
  }

  /** Stores the stream's resume token while the collection is quiet (see idleCheckpointMs). */
  private async idleCheckpoint(): Promise<void> {
    const token = this.stream?.resumeToken as Document | null | undefined;
    if (!token || this.inFlight > 0 || Date.now() - this.lastIdleSave < this.deps.options.idleCheckpointMs) return;
    const position = tokenPosition(token);
    if (position === this.savedPosition) return;
    this.lastIdleSave = Date.now();
    const stateDb = this.deps.client.db(this.deps.stateDb);
    const clusterTime = this.savedClusterTime;
    const run = this.ackChain
      .catch(() => undefined)
      .then(() => this.fenced(() => saveCheckpoint(stateDb, this.name, { resumeToken: token, position, clusterTime }, this.generation)))
      .then(() => void (this.savedPosition = position));
    this.ackChain = run;
    await run.catch((err: unknown) => this.deps.logger.warn({ table: this.name, err: String(err) }, 'idle checkpoint failed; will retry'));
  }

  /** Remembers a refused checkpoint so that the next read stops too, instead of reading on. */
  private async fenced(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (err instanceof OwnershipLostError) this.lost = err;
      throw err;
    }
  }

  private async closeStream(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    await s?.close().catch(() => undefined);
  }

  private requireOpen(): void {
    if (this.state !== 'open') throw new Error(`source for ${this.name} is not open`);
  }
}
