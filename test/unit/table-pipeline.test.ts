import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { AckToken, ChangeBatch, ChangeSource } from '../../src/core/change-source.js';
import type { ChangeEvent } from '../../src/core/change-event.js';
import type { Sink } from '../../src/core/sink.js';
import { FatalCaptureError, TransientError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { TablePipeline } from '../../src/pipeline/table-pipeline.js';
import { SequenceAllocator } from '../../src/pipeline/sequence-allocator.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** A source over a fixed list of changes, recording the calls the pipeline makes. */
class FakeSource implements ChangeSource {
  readonly table = { schema: 'public', name: 't' };
  readonly mode = 'trigger' as const;
  calls: string[] = [];
  private next = 0;
  constructor(private readonly changes: CapturedChange[]) {}
  async open() {}
  async read(max: number): Promise<ChangeBatch> {
    const batch = this.changes.slice(this.next, this.next + max);
    this.next += batch.length;
    this.calls.push(`read:${batch.length}`);
    return { changes: batch, ack: { upTo: this.next } as AckToken };
  }
  async ack(token: AckToken) {
    this.calls.push(`ack:${(token as { upTo: number }).upTo}`);
  }
  schemaVersion() {
    return 1;
  }
  async close() {}
}

class FakeSink implements Sink {
  written: ChangeEvent[][] = [];
  failures: Error[] = [];
  onWrite?: () => void;
  async open() {}
  async write(events: ChangeEvent[]) {
    this.onWrite?.();
    await new Promise((r) => setTimeout(r, 2));
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.written.push(events);
  }
  async close() {}
}

const changes = (n: number): CapturedChange[] =>
  Array.from({ length: n }, (_, i) => ({
    operation: 'INSERT',
    before: null,
    after: { id: i },
    primaryKey: { id: i },
    timestamp: '2026-01-01T00:00:00.000Z',
    transactionId: null,
    changeId: `g:${i}`,
    position: String(i),
  }));

function pipeline(source: FakeSource, sink: FakeSink) {
  let reserved = 0n;
  const store = { reserve: async (_t: string, n: number) => ((reserved += BigInt(n)), reserved - BigInt(n) + 1n) };
  return new TablePipeline(
    { source, sink, sequences: new SequenceAllocator(store, 'public.t', 3), sourceId: 's', logger: silent },
    { batchSize: 2, retryInitialMs: 1, retryMaxMs: 2 },
  );
}

test('delivers in read order and acks each batch after the sink, in order', async () => {
  const source = new FakeSource(changes(5));
  const sink = new FakeSink();
  const n = await pipeline(source, sink).drain(new AbortController().signal);
  assert.equal(n, 5);
  assert.deepEqual(sink.written.flat().map((e) => e.after_data!.id), [0, 1, 2, 3, 4]);
  const seqs = sink.written.flat().map((e) => BigInt(e.sequence_number));
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), `strictly increasing: ${seqs}`);
  assert.deepEqual(source.calls.filter((c) => c.startsWith('ack')), ['ack:2', 'ack:4', 'ack:5']);
});

test('a failing sink is retried without reading further ahead (backpressure), then resumes', async () => {
  const source = new FakeSource(changes(6));
  const sink = new FakeSink();
  sink.failures = [new TransientError('broker down'), new TransientError('broker down'), new TransientError('broker down')];
  let readsDuringFailure = 0;
  sink.onWrite = () => {
    if (sink.failures.length > 0) readsDuringFailure = source.calls.filter((c) => c.startsWith('read')).length;
  };
  await pipeline(source, sink).drain(new AbortController().signal);
  assert.deepEqual(sink.written.flat().map((e) => e.after_data!.id), [0, 1, 2, 3, 4, 5]);
  // While batch 1 was failing, at most the next batch had been read (one batch of read-ahead).
  assert.ok(readsDuringFailure <= 2, `reads while failing: ${readsDuringFailure}`);
});

test('a fatal sink error stops the drain and acknowledges nothing after it', async () => {
  const source = new FakeSource(changes(4));
  const sink = new FakeSink();
  sink.failures = [new FatalCaptureError('too large')];
  await assert.rejects(pipeline(source, sink).drain(new AbortController().signal), /too large/);
  assert.deepEqual(source.calls.filter((c) => c.startsWith('ack')), []);
  assert.equal(sink.written.length, 0);
});

test('abort finishes the write in progress, acks it, and reads nothing more', async () => {
  const source = new FakeSource(changes(10));
  const sink = new FakeSink();
  const stop = new AbortController();
  sink.onWrite = () => stop.abort();
  await pipeline(source, sink).drain(stop.signal);
  assert.equal(sink.written.length, 1);
  assert.deepEqual(source.calls.filter((c) => c.startsWith('ack')), ['ack:2']);
  assert.ok(source.calls.filter((c) => c.startsWith('read')).length <= 2);
});

test('sequence numbers keep increasing across allocator blocks and pipelines', async () => {
  let reserved = 0n;
  const store = { reserve: async (_t: string, n: number) => ((reserved += BigInt(n)), reserved - BigInt(n) + 1n) };
  const a = new SequenceAllocator(store, 't', 4);
  const got = [await a.take(3), await a.take(3), await a.take(1)];
  const b = new SequenceAllocator(store, 't', 4); // a restarted process skips a's unused numbers
  got.push(await b.take(2));
  assert.deepEqual(got, [1n, 5n, 8n, 9n]);
});

test('a shutdown while open() is still retrying is a clean stop, not a failure', async () => {
  const source = new FakeSource(changes(1));
  let attempts = 0;
  source.open = async () => {
    attempts++;
    throw new TransientError('table is already being drained by another cdc process');
  };
  const p = pipeline(source, new FakeSink());
  const stop = new AbortController();
  const opened = p.open(stop.signal);
  while (attempts < 3) await new Promise((r) => setTimeout(r, 1));
  stop.abort();
  assert.equal(await opened, false);

  source.open = async () => {
    throw new FatalCaptureError('no such table');
  };
  await assert.rejects(pipeline(source, new FakeSink()).open(new AbortController().signal), /no such table/);
});
