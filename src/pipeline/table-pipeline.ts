import type { ChangeEvent } from '../core/change-event.js';
import { toChangeEvent } from '../core/change-event.js';
import { attachTableSpec, type TableSpec } from '../core/table-spec.js';
import { attachTransactionMark } from '../core/transaction-mark.js';
import { attachTypedDocuments } from '../core/typed-documents.js';
import type { ChangeBatch, ChangeSource, DeliveredBatch } from '../core/change-source.js';
import type { Logger } from '../core/logger.js';
import { describeRejected, type Sink } from '../core/sink.js';
import { qualifiedName } from '../core/table-ref.js';
import { FatalCaptureError, ValueLimitError } from '../core/errors.js';
import { isRetryable } from '../core/retryable.js';
import { Backoff, sleep } from './backoff.js';
import type { SequenceAllocator } from './sequence-allocator.js';
import type { PipelineMetrics } from './metrics.js';

/** Applied to each event before the sink; returning null drops it (filters). */
export type EventTransform = (event: ChangeEvent) => ChangeEvent | null;

export interface TablePipelineOptions {
  batchSize: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
}

export interface TablePipelineDeps {
  source: ChangeSource;
  sink: Sink;
  sequences: SequenceAllocator;
  sourceId: string;
  logger: Logger;
  transform?: EventTransform;
  metrics?: PipelineMetrics;
  /**
   * The table's declared column types, for a format that encodes by type (Debezium). Loaded again
   * whenever the source's schema version changes; absent for the native format, which needs none.
   */
  describe?: () => Promise<TableSpec>;
}

class Aborted extends Error {}

/** A change that cannot be delivered (CapturedChange.failure), after `at` events of its batch. */
interface FailedChange {
  at: number;
  event: ChangeEvent;
  reason: string;
}


/**
 * source → events → sink → ack, for one table.
 *
 * Three stages overlap: while the sink writes batch k, batch k+1 is read and encoded, and the
 * source acknowledges (checkpoints and prunes) batch k−1. Writes are strictly sequential, so the
 * sink sees one table's events in order, and a source ack always follows the sink's ack of the same
 * batch (STYLE: checkpoint after the sink confirms). Failures are retried with backoff for as long
 * as they are retryable; while a write is being retried nothing more is read (backpressure).
 */
export class TablePipeline {
  readonly table: string;
  readonly sourceId: string;
  private spec: { version: number; spec: TableSpec } | null = null;

  constructor(
    private readonly deps: TablePipelineDeps,
    private readonly options: TablePipelineOptions,
  ) {
    this.table = qualifiedName(deps.source.table);
    this.sourceId = deps.sourceId;
  }

  /** Opens the source, retrying; false when `signal` aborted first (a shutdown, not a failure). */
  async open(signal: AbortSignal): Promise<boolean> {
    try {
      await this.retrying('open', () => this.deps.source.open(), signal);
      return true;
    } catch (err) {
      if (err instanceof Aborted) return false;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.deps.source.close();
  }

  /**
   * Delivers until the source has nothing ready or `signal` aborts. On abort the batch being
   * written is finished if its current attempt succeeds (then acknowledged) or abandoned (then
   * redelivered after restart); nothing further is read. Returns the number of events delivered.
   */
  async drain(signal: AbortSignal): Promise<number> {
    let delivered = 0;
    const count = (n: number) => (delivered += n);
    let previousWrite: Promise<void> = Promise.resolve();
    let ackChain: Promise<void> = Promise.resolve();
    try {
      while (!signal.aborted) {
        const batch = await this.retrying('read', () => this.deps.source.read(this.options.batchSize), signal);
        this.deps.metrics?.capturing?.(this.table, (this.deps.source.captureGap?.() ?? null) === null);
        if (batch.changes.length === 0) {
          this.deps.metrics?.caughtUp?.(this.table);
          break;
        }
        const version = this.deps.source.schemaVersion();
        const spec = this.deps.describe ? await this.retrying('describe', () => this.tableSpec(version), signal) : null;
        const { events, failed, delivered } = await this.toEvents(batch, version, spec);
        await previousWrite;
        if (signal.aborted) break;
        const write = this.retrying('write', () => this.deliver(events, failed), signal, true);
        previousWrite = write;
        ackChain = ackChain
          .then(() => write)
          .then(() => this.acknowledge(batch, delivered, events.length, signal))
          .then(() => void count(batch.changes.length));
        // Keep the chain from raising an unhandled rejection before we await it below.
        ackChain.catch(() => undefined);
      }
      await previousWrite;
      await ackChain;
    } catch (err) {
      await ackChain.catch(() => undefined);
      if (err instanceof Aborted) return delivered;
      throw err;
    }
    return delivered;
  }

  private async acknowledge(batch: ChangeBatch, delivered: DeliveredBatch, count: number, signal: AbortSignal): Promise<void> {
    // An ack is attempted even after abort: the sink already has the events, so checkpointing them
    // now avoids redelivering them after the restart.
    await this.retrying('ack', () => this.deps.source.ack(batch.ack, delivered), signal, true);
    this.deps.metrics?.delivered(this.table, count);
    this.deps.metrics?.acknowledged?.(this.table, batch.changes);
  }

  private async toEvents(batch: ChangeBatch, schemaVersion: number, spec: TableSpec | null): Promise<{ events: ChangeEvent[]; failed: FailedChange[]; delivered: DeliveredBatch }> {
    const { source, sourceId, transform } = this.deps;
    const first = await this.deps.sequences.take(batch.changes.length);
    const events: ChangeEvent[] = [];
    const failed: FailedChange[] = [];
    for (let i = 0; i < batch.changes.length; i++) {
      const change = batch.changes[i]!;
      const event = toChangeEvent(change, {
        sourceId,
        tableName: this.table,
        mode: source.mode,
        sequence: first + BigInt(i),
        schemaVersion,
      });
      if (change.failure !== undefined) {
        // No transform: there is no image to filter or mask, and the policy must see every failure.
        failed.push({ at: events.length, event, reason: change.failure });
        continue;
      }
      const out = transform ? transform(event) : event;
      // After the transform: a transform builds new event objects, which would not carry it.
      if (!out) continue;
      if (change.transaction) attachTransactionMark(out, change.transaction);
      if (change.documents) attachTypedDocuments(out, change.documents);
      events.push(spec ? attachTableSpec(out, spec) : out);
    }
    return { events, failed, delivered: { firstSequence: first, schemaVersion } };
  }

  /** Writes a batch; failed changes go to the sink's policy in their place between the events. */
  private async deliver(events: ChangeEvent[], failed: FailedChange[]): Promise<void> {
    const { sink } = this.deps;
    if (failed.length === 0) return sink.write(events);
    let from = 0;
    for (const f of failed) {
      if (f.at > from) await sink.write(events.slice(from, f.at));
      from = f.at;
      if (!sink.reject) throw new FatalCaptureError(`${describeRejected(f.event, f.reason)}; this sink has no dead-letter policy`);
      await sink.reject(f.event, f.reason);
    }
    if (events.length > from) await sink.write(events.slice(from));
  }

  private async tableSpec(version: number): Promise<TableSpec> {
    if (this.spec?.version !== version) this.spec = { version, spec: await this.deps.describe!() };
    return this.spec.spec;
  }

  /**
   * Runs `op` until it succeeds, retrying retryable failures with backoff. With `finishAttempt`,
   * an attempt already started is allowed to complete after abort, but no new attempt starts.
   */
  private async retrying<T>(what: string, op: () => Promise<T>, signal: AbortSignal, finishAttempt = false): Promise<T> {
    const backoff = new Backoff(this.options.retryInitialMs, this.options.retryMaxMs);
    for (;;) {
      if (signal.aborted && (!finishAttempt || backoff.attempts > 0)) throw new Aborted();
      try {
        const result = await op();
        if (backoff.attempts > 0) this.deps.logger.info({ table: this.table, step: what }, 'recovered');
        return result;
      } catch (err) {
        // A source that cannot fail the one change (poll, oplog) stops the table: name it.
        if (err instanceof ValueLimitError && !err.message.includes(this.table)) {
          throw new ValueLimitError(`cannot ${what} table ${this.table}: ${err.message}`, { cause: err });
        }
        if (!isRetryable(err)) throw err;
        const delay = backoff.nextDelayMs();
        this.deps.metrics?.retried(this.table, what);
        this.deps.logger.warn(
          { table: this.table, step: what, attempt: backoff.attempts, retryInMs: delay, err: describe(err) },
          `${what} failed; retrying`,
        );
        await sleep(delay, signal);
      }
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
