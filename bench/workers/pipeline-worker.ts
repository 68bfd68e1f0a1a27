/**
 * The process under test: one table's pipeline built exactly as src/wiring.ts builds it (trigger
 * source, sequence allocator, native encoder, Kafka sink, TablePipeline, and for `serve` the
 * CaptureService with its 50 ms ticker), with bench-only timing decorators around source, sink
 * and encoder. Runs in a child process so its CPU time, RSS and CPU profile are its own.
 *
 *   node --import tsx bench/workers/pipeline-worker.ts '<json WorkerJob>'
 *
 * drain: deliver `expect` changes as fast as possible, then exit.
 * serve: poll like `cdc run` until SIGTERM; record when each change (by row id) was acknowledged.
 * sink:  write `expect` synthetic ~1 KB events straight into the sink (no database), in batches.
 * The result is written as JSON to `out`.
 */
import { writeFileSync } from 'node:fs';
import { KafkaSink } from '../../adapters/kafka/kafka-sink.js';
import { KAFKA_DEFAULTS } from '../../src/config/kafka-settings.js';
import { PlatformaticKafkaSink } from '../../adapters/kafka-platformatic/platformatic-sink.js';
import type { ChangeEvent } from '../../src/core/change-event.js';
import type { Logger } from '../../src/core/logger.js';
import type { EventEncoder, Sink } from '../../src/core/sink.js';
import { parseTableRef, qualifiedName } from '../../src/core/table-ref.js';
import { parseSchedule } from '../../src/config/schedule.js';
import { encoderFor } from '../../src/format/index.js';
import { SequenceAllocator } from '../../src/pipeline/sequence-allocator.js';
import { TablePipeline } from '../../src/pipeline/table-pipeline.js';
import { CaptureService } from '../../src/service/capture-service.js';
import { createTicker } from '../../src/service/ticker.js';
import { openSourceDatabase } from '../../src/sources/open-source-database.js';
import { StageClock, TimedSink, TimedSource, timedEncoder } from '../lib/timing.js';
import { syntheticEvents } from '../lib/synthetic.js';

export type SinkKind = 'kafkajs' | 'platformatic';

export interface WorkerJob {
  mode: 'drain' | 'serve' | 'sink';
  out: string;
  brokers: string[];
  sink: SinkKind;
  batchSize: number;
  sourceId: string;
  /** drain/serve */
  sourceUrl?: string;
  table?: string;
  /** drain: changes to deliver; sink: events to write */
  expect?: number;
  /** sink: bytes of payload per synthetic event */
  rowBytes?: number;
  timeoutMs?: number;
}

export interface RssSample {
  tMs: number;
  rssMb: number;
  heapMb: number;
  delivered: number;
}

export interface WorkerResult {
  mode: WorkerJob['mode'];
  sink: SinkKind;
  delivered: number;
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  peakRssMb: number;
  rss: RssSample[];
  stages: Record<string, { calls: number; ms: number; maxMs: number }>;
  /** serve: row id and acknowledgement wall-clock time (ms since the epoch) of every delivered change */
  acks?: { ids: number[]; at: number[] };
  error?: string;
}

const quiet: Logger = {
  debug() {},
  info() {},
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...obj })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', msg, ...obj })}\n`),
  child: () => quiet,
};

function buildSink(job: WorkerJob, encode: EventEncoder): Sink {
  const config = { ...KAFKA_DEFAULTS, brokers: job.brokers, clientId: `cdc-bench-${job.sink}` };
  return job.sink === 'platformatic' ? new PlatformaticKafkaSink(config, encode, quiet) : new KafkaSink(config, encode, quiet);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as WorkerJob;
  const clock = new StageClock();
  let delivered = 0;
  const rss: RssSample[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    rss.push({ tMs: Math.round(performance.now() - t0), rssMb: mb(m.rss), heapMb: mb(m.heapUsed), delivered });
  };
  const sampler = setInterval(sample, 250);
  const ackIds: number[] = [];
  const ackAt: number[] = [];
  const result = (): WorkerResult => {
    sample();
    const cpu = process.cpuUsage(cpu0);
    return {
      mode: job.mode,
      sink: job.sink,
      delivered,
      wallMs: Math.round(performance.now() - t0),
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      peakRssMb: mb(peakRss),
      rss,
      stages: clock.toJSON(),
      acks: job.mode === 'serve' ? { ids: ackIds, at: ackAt } : undefined,
    };
  };
  const encode = timedEncoder(encoderFor('native'), clock);

  if (job.mode === 'sink') {
    const sink = new TimedSink(buildSink(job, encode), clock);
    const events = syntheticEvents(job.sourceId, job.batchSize, job.rowBytes ?? 1000);
    await sink.open();
    // Warm-up (topic creation, metadata, first connection) outside the measured window.
    await sink.write(events.slice(0, 10));
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    clock.stages.clear();
    for (let sent = 0; sent < job.expect!; sent += events.length) {
      await sink.write(renumber(events, sent));
      delivered += events.length;
    }
    const wallMs = performance.now() - w0;
    const cpu = process.cpuUsage(c0);
    await sink.close();
    clearInterval(sampler);
    const r = result();
    writeFileSync(job.out, JSON.stringify({ ...r, wallMs: Math.round(wallMs), cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000) }));
    return;
  }

  const db = await openSourceDatabase(job.sourceUrl!);
  await db.migrate();
  const table = parseTableRef(job.table!, db.defaultSchema);
  const name = qualifiedName(table);
  const source = new TimedSource(db.openSource(table, { logger: quiet }), clock);
  const onAck =
    job.mode === 'serve'
      ? (events: ChangeEvent[], at: number) => {
          for (const e of events) {
            ackIds.push(Number(e.primary_key!.id));
            ackAt.push(at);
          }
        }
      : undefined;
  const sink = new TimedSink(buildSink(job, encode), clock, onAck);
  const metrics = { delivered: (_t: string, n: number) => void (delivered += n), retried() {} };
  const pipeline = new TablePipeline(
    { source, sink, sequences: new SequenceAllocator(db.sequences, name), sourceId: job.sourceId, logger: quiet, metrics },
    { batchSize: job.batchSize },
  );
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), job.timeoutMs ?? 30 * 60_000);
  try {
    await sink.open();
    if (job.mode === 'drain') {
      await pipeline.open(stop.signal);
      while (delivered < job.expect! && !stop.signal.aborted) {
        const n = await pipeline.drain(stop.signal);
        if (n === 0) await new Promise((r) => setTimeout(r, 20));
      }
      await pipeline.close();
      await sink.close();
    } else {
      process.on('SIGTERM', () => stop.abort());
      process.send?.('ready');
      const service = new CaptureService([{ pipeline, ticker: createTicker(parseSchedule('50ms')!) }], sink, quiet);
      await service.run(stop.signal);
    }
  } finally {
    clearTimeout(timer);
    clearInterval(sampler);
    await db.close();
  }
  const r = result();
  if (job.mode === 'drain' && delivered < job.expect!) r.error = `timed out after ${delivered} of ${job.expect}`;
  writeFileSync(job.out, JSON.stringify(r));
}

function renumber(events: ChangeEvent[], base: number): ChangeEvent[] {
  return events.map((e, i) => ({ ...e, sequence_number: String(base + i + 1), primary_key: { id: (base + i) % 100_000 } }));
}

function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`pipeline-worker: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
