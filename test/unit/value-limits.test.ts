import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { CapturedChange, ChangeEvent } from '../../src/core/change-event.js';
import { toChangeEvent } from '../../src/core/change-event.js';
import type { AckToken, ChangeBatch, ChangeSource } from '../../src/core/change-source.js';
import { FatalCaptureError, ValueLimitError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { checkJsonDepth, checkJsonText, JSON_LIMITS, normalizeJson, parseJson, parseJsonRaw } from '../../src/core/lossless-json.js';
import { extractMembers } from '../../src/core/json-members.js';
import type { Sink } from '../../src/core/sink.js';
import { encodeNative } from '../../src/format/native.js';
import { SequenceAllocator } from '../../src/pipeline/sequence-allocator.js';
import { TablePipeline } from '../../src/pipeline/table-pipeline.js';
import { StdoutSink } from '../../adapters/stdout/stdout-sink.js';
import { toCapturedChange as pgChange } from '../../adapters/postgres/trigger/rows.js';
import { decodeJsonbImage } from '../../adapters/postgres/types/jsonb-decoder.js';
import { toCapturedChange as mysqlChange } from '../../adapters/mysql/trigger/read-query.js';
import { decodeBinlogRow } from '../../adapters/mysql/types/binlog-decoder.js';

/**
 * Issue 11 item 3: a jsonb value nested ~3000 deep threw RangeError (stack overflow) while
 * decoding; the error was retried forever, named no row, and the rows behind it never came.
 * Now every decoder has explicit depth/size limits (ValueLimitError), the change fails alone,
 * and the pipeline hands it to the sink's oversize policy in its place.
 */
const deepArray = (d: number) => '['.repeat(d) + '1' + ']'.repeat(d);
const deepObject = (d: number) => '{"a":'.repeat(d) + '1' + '}'.repeat(d);

test('JSON at the depth limit decodes; one level more is a ValueLimitError, never a RangeError', () => {
  const max = JSON_LIMITS.maxDepth;
  for (const deep of [deepArray, deepObject]) {
    assert.doesNotThrow(() => parseJson(deep(max)));
    assert.doesNotThrow(() => normalizeJson(parseJsonRaw(deep(max))));
    assert.doesNotThrow(() => JSON.stringify(parseJson(deep(max))));
    for (const d of [max + 1, 3000, 12000, 200000]) {
      assert.throws(() => parseJson(deep(d)), ValueLimitError, `parseJson ${d}`);
      assert.throws(() => parseJsonRaw(deep(d)), ValueLimitError, `parseJsonRaw ${d}`);
    }
  }
  // The \\u route (lossless-json, recursive) is checked before it runs too.
  assert.throws(() => parseJson('["\\u0041",' + deepArray(5000) + ']'), ValueLimitError);
  // Brackets inside strings (with escaped quotes) do not count.
  assert.doesNotThrow(() => checkJsonText(JSON.stringify(['"\\' + '['.repeat(5000)])));
  // normalizeJson and checkJsonDepth refuse values built deeper than the limit in memory.
  let v: unknown = 1;
  for (let i = 0; i < 20000; i++) v = [v];
  assert.throws(() => normalizeJson(v), ValueLimitError);
  assert.throws(() => checkJsonDepth(v), ValueLimitError);
  assert.throws(() => checkJsonText('x'.repeat(11), { maxDepth: 100, maxTextLength: 10 }), ValueLimitError);
});

test('PostgreSQL and MySQL trigger rows: a too-deep value fails only its change, naming the log row', () => {
  const types = new Map([['id', { kind: 'int' as const }], ['doc', { kind: 'json' as const }]]);
  const image = `{"id": 7, "doc": ${deepArray(3000)}}`;
  const pg = pgChange(
    { id: '12', op: 'I', txid: '9', changed_at: '2024-01-01 00:00:00+00', before: null, after: image } as never,
    { generation: 'g', keyColumns: ['id'], decode: (t) => decodeJsonbImage(types as never, t) },
  );
  assert.match(pg.failure!, /change log row 12: .*deeper than cdc decodes \(1000 levels\)/);
  assert.equal(pg.after, null);
  assert.equal(pg.position, '9/12');
  assert.deepEqual(pg.primaryKey, { id: 7 }, 'the key is read from the image without decoding the deep value');
  const my = mysqlChange(
    { id: '5', op: 'I', trx_id: '1', changed_at: '2024-01-01 00:00:00.000000', before_image: null, after_image: JSON.stringify({ id: 7, doc: { json: deepArray(3000) } }) },
    { table: 'd.t', generation: 'g', keyColumns: ['id'] },
  );
  assert.match(my.failure!, /change log row 5: .*deeper/);
  assert.deepEqual(my.primaryKey, { id: 7 });
  const binlog = () => decodeBinlogRow({ doc: deepArray(3000) }, new Map([['doc', { name: 'doc', kind: 'json' } as never]]), true);
  assert.throws(binlog, (e: Error) => e instanceof ValueLimitError && /column "doc"/.test(e.message));
});

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

class ListSource implements ChangeSource {
  readonly table = { schema: 'public', name: 't' };
  readonly mode = 'trigger' as const;
  acked = 0;
  private next = 0;
  constructor(private readonly changes: CapturedChange[]) {}
  async open() {}
  async read(max: number): Promise<ChangeBatch> {
    const batch = this.changes.slice(this.next, this.next + max);
    this.next += batch.length;
    return { changes: batch, ack: { upTo: this.next } as AckToken };
  }
  async ack(token: AckToken) {
    this.acked = (token as { upTo: number }).upTo;
  }
  schemaVersion() {
    return 1;
  }
  async close() {}
}

const change = (i: number, failure?: string): CapturedChange => ({
  operation: 'INSERT',
  before: null,
  after: failure ? null : { id: i },
  primaryKey: failure ? null : { id: i },
  timestamp: '2026-01-01T00:00:00.000Z',
  transactionId: null,
  changeId: `g:${i}`,
  position: `p${i}`,
  ...(failure ? { failure } : {}),
});

function run(source: ListSource, sink: Sink) {
  let reserved = 0n;
  const store = { reserve: async (_t: string, n: number) => ((reserved += BigInt(n)), reserved - BigInt(n) + 1n) };
  return new TablePipeline(
    { source, sink, sequences: new SequenceAllocator(store, 'public.t', 10), sourceId: 's', logger: silent },
    { batchSize: 3, retryInitialMs: 1, retryMaxMs: 2 },
  ).drain(new AbortController().signal);
}

test('pipeline: a failed change goes to the sink policy in its place; the rows behind it are delivered', async () => {
  const log: string[] = [];
  const sink: Sink = {
    async open() {},
    async write(events: ChangeEvent[]) {
      log.push(...events.map((e) => `event ${e.source.position}`));
    },
    async reject(event: ChangeEvent, reason: string) {
      log.push(`reject ${event.source.position} ${reason}`);
    },
    async close() {},
  };
  const source = new ListSource([change(0), change(1, 'too deep'), change(2), change(3), change(4, 'too deep'), change(5)]);
  assert.equal(await run(source, sink), 6);
  assert.deepEqual(log, ['event p0', 'reject p1 too deep', 'event p2', 'event p3', 'reject p4 too deep', 'event p5']);
  assert.equal(source.acked, 6);
});

test('pipeline: a sink without a policy stops the table with table, position and reason', async () => {
  const sink: Sink = { async open() {}, async write() {}, async close() {} };
  await assert.rejects(run(new ListSource([change(0), change(1, 'too deep')]), sink), (e: Error) =>
    e instanceof FatalCaptureError && /change p1 of table public\.t: too deep/.test(e.message),
  );
});

test('stdout sink: stop names table and position; dead-letter writes one record and goes on', async () => {
  const ctx = { sourceId: 's', tableName: 'public.t', mode: 'trigger' as const, sequence: 1n, schemaVersion: 1 };
  const failed = toChangeEvent(change(1, 'too deep'), ctx);
  await assert.rejects(new StdoutSink(encodeNative, new PassThrough()).reject(failed, 'too deep'), /change p1 of table public\.t: too deep/);
  const out = new PassThrough();
  const dlq = new PassThrough();
  const sink = new StdoutSink(encodeNative, out, { onUndeliverable: 'dead-letter', deadLetters: dlq });
  await sink.reject(failed, 'too deep');
  assert.deepEqual(JSON.parse(String(dlq.read())), { error: 'undeliverable', reason: 'too deep', event_id: failed.event_id, source_db: 's', table_name: 'public.t', operation: 'INSERT', primary_key: null, sequence_number: '1', timestamp: failed.timestamp, source: failed.source });
  // An event the encoder cannot serialise (built deeper than JSON.stringify's stack) takes the same way.
  let deep: unknown = 1;
  for (let i = 0; i < 100000; i++) deep = [deep];
  const bad = toChangeEvent({ ...change(2), after: { id: 2, doc: deep } }, ctx);
  await sink.write([toChangeEvent(change(0), ctx), bad, toChangeEvent(change(3), ctx)]);
  assert.deepEqual(String(out.read()).trim().split('\n').map((l) => JSON.parse(l).source.position), ['p0', 'p3']);
  assert.match(String(dlq.read()), /"position":"p2"/);
});

test('pipeline: a source that throws a ValueLimitError stops the table, named, without retrying', async () => {
  let reads = 0;
  const source = new ListSource([]);
  source.read = async () => {
    reads++;
    throw new ValueLimitError('a JSON value nests deeper than cdc decodes (1000 levels)');
  };
  const sink: Sink = { async open() {}, async write() {}, async close() {} };
  await assert.rejects(run(source, sink), /^ValueLimitError: cannot read table public\.t: a JSON value nests deeper/);
  assert.equal(reads, 1);
});

test('MongoDB documents nested past the limit raise ValueLimitError, not a stack overflow', async () => {
  const { documentToJson } = await import('../../adapters/mongodb/types/bson-json.js');
  let doc: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 20000; i++) doc = { a: doc };
  assert.throws(() => documentToJson(doc), ValueLimitError);
  let ok: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 100; i++) ok = { a: [ok] };
  assert.doesNotThrow(() => documentToJson(ok));
});

test('extractMembers picks top-level members without parsing the rest', () => {
  const deep = deepArray(100000);
  assert.equal(extractMembers(`{"doc": ${deep}, "id": 7, "s": "a\\"}"}`, ['id', 's']), '{"id":7,"s":"a\\"}"}');
  assert.equal(extractMembers(' { "a" : [1, {"b": "}"}] , "k\\u0041" : -1.5e3 } ', ['kA']), '{"k\\u0041":-1.5e3}');
  assert.equal(extractMembers('{"__proto__": 1, "x": {}}', ['__proto__']), '{"__proto__":1}');
  assert.equal(extractMembers('{}', ['id']), '{}');
  assert.equal(extractMembers('{"a": 1', ['a']), null);
  assert.equal(extractMembers('[1]', ['a']), null);
  assert.equal(extractMembers('(1,2)', ['a']), null);
});

test('a stack overflow is not retried; other errors keep their retry rule', async () => {
  const { isRetryable } = await import('../../src/core/retryable.js');
  const overflow = (): unknown => {
    try {
      const f = (n: number): number => f(n + 1) + 1;
      return f(0);
    } catch (err) {
      return err;
    }
  };
  assert.equal(isRetryable(overflow()), false);
  assert.equal(isRetryable(new RangeError('The value of "offset" is out of range')), true);
  assert.equal(isRetryable(new ValueLimitError('too deep')), false);
});
