import type { ChangeEvent } from '../../src/core/change-event.js';
import type { AckToken, ChangeBatch, ChangeSource, DeliveredBatch } from '../../src/core/change-source.js';
import type { EventEncoder, Sink } from '../../src/core/sink.js';

/**
 * Bench-only decorators of the pipeline's own interfaces (STYLE rule 8): they time each call and
 * change nothing else, so the pipeline under test is the one `cdc run` uses.
 *
 * The pipeline overlaps its stages (the sink writes batch k while batch k+1 is read and batch k−1
 * is acknowledged), so the per-stage totals are busy time of each stage, and they can add up to
 * more than the wall time. Node runs JavaScript on one thread: only waiting overlaps, CPU work
 * does not; the CPU profile says where the CPU went.
 */
export interface StageTotals {
  calls: number;
  ms: number;
  maxMs: number;
}

export class StageClock {
  readonly stages = new Map<string, StageTotals>();

  add(stage: string, ms: number): void {
    const s = this.stages.get(stage) ?? { calls: 0, ms: 0, maxMs: 0 };
    s.calls++;
    s.ms += ms;
    if (ms > s.maxMs) s.maxMs = ms;
    this.stages.set(stage, s);
  }

  async time<T>(stage: string, op: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await op();
    } finally {
      this.add(stage, performance.now() - t0);
    }
  }

  toJSON(): Record<string, StageTotals> {
    return Object.fromEntries([...this.stages].map(([k, v]) => [k, { calls: v.calls, ms: round(v.ms), maxMs: round(v.maxMs) }]));
  }
}

/** read = the log query plus decoding the row images; ack = checkpoint + prune (one statement on PostgreSQL). */
export class TimedSource implements ChangeSource {
  constructor(
    private readonly inner: ChangeSource,
    private readonly clock: StageClock,
    private readonly onBatch?: (batch: ChangeBatch) => void,
  ) {}
  get table() {
    return this.inner.table;
  }
  get mode() {
    return this.inner.mode;
  }
  open(): Promise<void> {
    return this.inner.open();
  }
  async read(maxChanges: number): Promise<ChangeBatch> {
    const batch = await this.clock.time('read', () => this.inner.read(maxChanges));
    this.onBatch?.(batch);
    return batch;
  }
  ack(token: AckToken, delivered?: DeliveredBatch): Promise<void> {
    return this.clock.time('ack', () => this.inner.ack(token, delivered));
  }
  schemaVersion(): number {
    return this.inner.schemaVersion();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * write = encode + produce (until Kafka acknowledged, acks=all). `onAck` sees every event of a write
 * the moment the sink acknowledged it: the latency benchmark's end point.
 */
export class TimedSink implements Sink {
  constructor(
    private readonly inner: Sink,
    private readonly clock: StageClock,
    private readonly onAck?: (events: ChangeEvent[], ackedAtMs: number) => void,
  ) {}
  open(): Promise<void> {
    return this.inner.open();
  }
  async write(events: ChangeEvent[]): Promise<void> {
    await this.clock.time('write', () => this.inner.write(events));
    this.onAck?.(events, wallClockMs());
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Wraps an encoder (JSON of the event, key, headers) so its share of write() is known. */
export function timedEncoder(encode: EventEncoder, clock: StageClock): EventEncoder {
  let pending = 0;
  let n = 0;
  return (event) => {
    const t0 = performance.now();
    const out = encode(event);
    pending += performance.now() - t0;
    // Adding to the map once per 500 events keeps the timer's own cost out of the figure.
    if (++n % 500 === 0) {
      clockAddBulk(clock, 'encode', pending, 500);
      pending = 0;
    }
    return out;
  };
}

function clockAddBulk(clock: StageClock, stage: string, ms: number, calls: number): void {
  const s = clock.stages.get(stage) ?? { calls: 0, ms: 0, maxMs: 0 };
  s.calls += calls;
  s.ms += ms;
  clock.stages.set(stage, s);
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
