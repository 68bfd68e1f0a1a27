import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumeAll, testKafka, topicOffset } from '../../test/helpers/kafka.js';
import { runCli } from '../../test/helpers/cli.js';
import type { BenchContext } from '../lib/context.js';
import { DEBEZIUM_VERSION, type DebeziumRun, debeziumProps, ensureDebeziumDist, freePort, newestJavaHome, startDebezium } from '../lib/debezium.js';
import { writeAtFixedRate, type WriterResult } from '../lib/fixed-rate-writer.js';
import { fmt, percentile, ratio, table } from '../lib/markdown.js';
import { createBenchTable, installTriggers } from '../lib/seed.js';
import { startWorker } from '../lib/worker.js';

/**
 * 7. Steady-state latency of the two log-based captures side by side: cdc's WAL adapter (`cdc
 * upgrade --to wal`, pgoutput) and Debezium Server (pgoutput), one PostgreSQL database, one broker,
 * one run. Each has its own table, slot and LogAppendTime topic. Both run for the whole scenario,
 * so both are warm and both walsenders decode all of the WAL; the writer takes turns between the
 * tables (cdc 1K, Debezium 1K, cdc 2K, Debezium 2K, cdc 5K, Debezium 5K), so in each phase one capture works while the
 * other idles. Before the phases, WARMUP_S at the highest rate into each table, not measured:
 * started fresh, Debezium's JVM needed 20–30 s at 2K/s on the busy machine to stop falling behind
 * (its P95 was seconds when each phase restarted it), which is start-up, not steady state.
 *
 * Clocks: commit → the record's LogAppendTime (the broker's clock, same machine) for both, so the
 * ratio compares like with like; for cdc also commit → its sink's acks=all acknowledgement (the
 * definition of section 2), which Debezium does not expose. The first 2 s of each phase are not
 * counted, and a per-window P95 shows whether a capture keeps up or falls behind.
 */
const WARMUP_S = 15;
const SKIP_MS = 2000;
const CDC_TABLE = 'bench_wal_lat';
const DBZ_TABLE = 'bench_dbz_lat';
/** Width of the windows of the per-window P95 series. */
const WINDOW_MS = 5000;

interface Stats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

type Capture = 'cdc-wal' | 'debezium';

interface Phase {
  capture: Capture;
  rate: number;
  achievedRate: number;
  /** commit → LogAppendTime, both captures */
  appendTime: Stats;
  /** commit → sink acknowledgement, cdc only */
  ack?: Stats;
  /** P95 of commit → LogAppendTime per WINDOW_MS of commit time */
  p95ByWindow: number[];
  missing: number;
}

function stats(lat: number[]): Stats {
  const s = [...lat].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { count: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? NaN) };
}

async function waitForCount(topic: string, brokers: string[], count: number, timeoutMs: number, alive: () => string | null): Promise<void> {
  for (const t0 = Date.now(); (await topicOffset(topic, brokers)) < count; ) {
    const dead = alive();
    if (dead) throw new Error(dead);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${topic}: fewer than ${count} records after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Latencies of the counted commits of `w` against per-id times; ids never seen are missing. */
function latencies(w: WriterResult, at: Map<number, number>): { lat: number[]; missing: number; p95ByWindow: number[] } {
  const start = w.committedAt[0]! + SKIP_MS;
  const lat: number[] = [];
  const windows: number[][] = [];
  let missing = 0;
  for (let i = 0; i < w.ids.length; i++) {
    if (w.committedAt[i]! < start) continue;
    const a = at.get(w.ids[i]!);
    if (a === undefined) missing++;
    else {
      lat.push(a - w.committedAt[i]!);
      (windows[Math.floor((w.committedAt[i]! - start) / WINDOW_MS)] ??= []).push(a - w.committedAt[i]!);
    }
  }
  const p95ByWindow = [...windows].map((xs) => (xs ? Math.round(percentile(xs.sort((x, y) => x - y), 95)) : NaN));
  return { lat, missing, p95ByWindow };
}

/** Row id → LogAppendTime of its first record in the topic. */
async function appendTimes(topic: string, brokers: string[], count: number, idOf: (v: any) => number): Promise<Map<number, number>> {
  const msgs = await consumeAll([topic], { brokers, until: (m) => m.length >= count, timeoutMs: 300_000 });
  const at = new Map<number, number>();
  for (const m of msgs) {
    const id = idOf(m.value);
    if (!at.has(id)) at.set(id, Number(m.timestamp));
  }
  return at;
}

export async function walLatencyBenchmark(ctx: BenchContext) {
  if (!ctx.dialects.includes('postgres')) return { id: 'wal-latency' as const, data: null, markdown: ['Skipped: PostgreSQL not selected.'] };
  // The rates of section 2, so the trigger and log-based captures are measured at the same loads.
  const rates = ctx.sizes.latencyRates;
  const seconds = ctx.sizes.debeziumLatencySeconds;
  const home = ensureDebeziumDist(ctx.log);
  const java = newestJavaHome();
  const db = await ctx.createDatabase('postgres');
  const sid = ctx.sourceId('wallat');
  const prefix = ctx.sourceId('dbzlat');
  const cdcTopic = `cdc.${sid}.public.${CDC_TABLE}`;
  const dbzTopic = `${prefix}.public.${DBZ_TABLE}`;
  const slot = `${prefix}_slot`.toLowerCase();
  const props = debeziumProps({
    dbname: db.name,
    port: Number(new URL(db.url).port || 5432),
    topicPrefix: prefix,
    table: `public.${DBZ_TABLE}`,
    slot,
    publication: `${prefix}_pub`.toLowerCase(),
    brokers: ctx.brokers,
    offsetsFile: join(tmpdir(), `${prefix}-offsets.dat`),
    httpPort: await freePort(),
  });
  let dbz: DebeziumRun | null = null;
  let worker: ReturnType<typeof startWorker> | null = null;
  try {
    await createBenchTable(db, CDC_TABLE);
    await installTriggers(db, [CDC_TABLE]);
    await db.exec(`ALTER TABLE ${CDC_TABLE} REPLICA IDENTITY FULL`);
    const up = await runCli(['upgrade', '--source', db.url, '--table', CDC_TABLE, '--to', 'wal'], {}, 120_000);
    if (up.code !== 0) throw new Error(`cdc upgrade --to wal: ${up.stderr}`);
    await createBenchTable(db, DBZ_TABLE);
    await db.exec(`CREATE PUBLICATION ${props['debezium.source.publication.name']} FOR TABLE public.${DBZ_TABLE}`);
    await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    const admin = testKafka(ctx.brokers).admin();
    await admin.connect();
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: [cdcTopic, dbzTopic].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] })),
      })
      .finally(() => admin.disconnect());

    ctx.log('wal-latency: starting cdc (WAL) and Debezium Server');
    worker = startWorker({ mode: 'serve', sink: 'kafkajs', brokers: ctx.brokers, batchSize: 2000, sourceId: sid, sourceUrl: db.url, table: CDC_TABLE });
    let workerDied: string | null = null;
    worker.done.catch((err: Error) => (workerDied = err.message));
    const run = startDebezium(home, props, java.home);
    dbz = run;
    const t0 = Date.now();
    await Promise.race([worker.ready, worker.done]);
    const tables: Record<Capture, { table: string; topic: string; records: number; alive: () => string | null }> = {
      'cdc-wal': { table: CDC_TABLE, topic: cdcTopic, records: 0, alive: () => workerDied },
      debezium: {
        table: DBZ_TABLE,
        topic: dbzTopic,
        records: 0,
        alive: () => (run.child.exitCode !== null || run.child.signalCode !== null ? `Debezium Server exited: ${run.log().slice(-1500)}` : null),
      },
    };
    let nextId = 1;
    const write = async (capture: Capture, rate: number, durationMs: number) => {
      const t = tables[capture];
      const w = await writeAtFixedRate(db, { ratePerSecond: rate, durationMs, firstId: nextId, table: t.table });
      nextId += w.ids.length + 1000;
      t.records += w.ids.length;
      await waitForCount(t.topic, ctx.brokers, t.records, 300_000, t.alive);
      return w;
    };
    for (const capture of ['cdc-wal', 'debezium'] as const) {
      await db.exec(`INSERT INTO ${tables[capture].table} (id, k, payload) VALUES (${nextId++}, 0, 'first')`);
      tables[capture].records++;
      await waitForCount(tables[capture].topic, ctx.brokers, tables[capture].records, 180_000, tables[capture].alive);
    }
    ctx.log(`wal-latency: both streaming after ${((Date.now() - t0) / 1000).toFixed(1)} s; warming each up at ${Math.max(...rates)}/s for ${WARMUP_S} s`);
    for (const capture of ['cdc-wal', 'debezium'] as const) await write(capture, Math.max(...rates), WARMUP_S * 1000);

    const written: { capture: Capture; rate: number; w: WriterResult }[] = [];
    for (const rate of rates) {
      for (const capture of ['cdc-wal', 'debezium'] as const) {
        ctx.log(`wal-latency: ${capture} at ${rate}/s for ${seconds} s`);
        ctx.loadSample(`wal-latency ${capture} ${rate}/s start`);
        written.push({ capture, rate, w: await write(capture, rate, seconds * 1000 + SKIP_MS) });
        ctx.loadSample(`wal-latency ${capture} ${rate}/s end`);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    const cdcResult = await worker.stop();
    worker = null;
    const dbzUsage = run.usage();
    await run.stop();
    dbz = null;

    const ackAt = new Map<number, number>();
    const { ids, at } = cdcResult.acks!;
    for (let i = 0; i < ids.length; i++) if (!ackAt.has(ids[i]!)) ackAt.set(ids[i]!, at[i]!);
    const appendAt: Record<Capture, Map<number, number>> = {
      'cdc-wal': await appendTimes(cdcTopic, ctx.brokers, tables['cdc-wal'].records, (v: any) => Number(v.after_data?.id ?? v.before_data?.id)),
      debezium: await appendTimes(dbzTopic, ctx.brokers, tables.debezium.records, (v: any) => Number(v.after?.id ?? v.before?.id)),
    };
    const phases: Phase[] = written.map(({ capture, rate, w }) => {
      const byAppend = latencies(w, appendAt[capture]);
      return {
        capture,
        rate,
        achievedRate: w.achievedRate,
        appendTime: stats(byAppend.lat),
        p95ByWindow: byAppend.p95ByWindow,
        ack: capture === 'cdc-wal' ? stats(latencies(w, ackAt).lat) : undefined,
        missing: byAppend.missing,
      };
    });
    // Both processed the same number of changes over the same wall time (each its own table).
    const cpu = {
      cdcSeconds: Math.round((cdcResult.cpuUserMs + cdcResult.cpuSystemMs) / 100) / 10,
      debeziumSeconds: Math.round(dbzUsage.cpuSeconds * 10) / 10,
      changesEach: tables['cdc-wal'].records,
      cdcPeakRssMb: cdcResult.peakRssMb,
      debeziumPeakRssMb: dbzUsage.peakRssMb,
    };

    const rows: (string | number)[][] = [];
    for (const rate of rates) {
      const c = phases.find((p) => p.capture === 'cdc-wal' && p.rate === rate)!;
      const d = phases.find((p) => p.capture === 'debezium' && p.rate === rate)!;
      const line = (label: string, s: Stats, achieved: number, extra: string, windows = '') => [
        label,
        `${fmt(rate)} → ${fmt(achieved)}`,
        fmt(s.count),
        s.p50,
        s.p95,
        s.p99,
        s.max,
        windows,
        extra,
      ];
      rows.push(line('cdc WAL adapter, commit → LogAppendTime', c.appendTime, c.achievedRate, `missing ${c.missing}`, c.p95ByWindow.join(' / ')));
      rows.push(line('cdc WAL adapter, commit → acks=all ack', c.ack!, c.achievedRate, ''));
      rows.push(line('Debezium Server, commit → LogAppendTime', d.appendTime, d.achievedRate, `missing ${d.missing}`, d.p95ByWindow.join(' / ')));
      rows.push([
        '**cdc WAL / Debezium** (LogAppendTime)',
        '',
        '',
        `**${ratio(c.appendTime.p50, d.appendTime.p50)}**`,
        `**${ratio(c.appendTime.p95, d.appendTime.p95)}**`,
        `**${ratio(c.appendTime.p99, d.appendTime.p99)}**`,
        ratio(c.appendTime.max, d.appendTime.max),
        '',
        '',
      ]);
    }
    const md = [
      `cdc's WAL adapter (\`cdc upgrade --to wal\`, pgoutput, 50 ms poll, batch 2000, kafkajs acks=all) and Debezium Server ${DEBEZIUM_VERSION} ` +
        `(Java ${java.major}, pgoutput, 50 ms poll, acks=all + idempotence), each on its own table of the same database, ` +
        `both running throughout (warmed up with ${WARMUP_S} s at ${fmt(Math.max(...rates))}/s each), the writer taking turns: ${seconds} s per phase, the first ${SKIP_MS / 1000} s not counted. ` +
        'Both log-based: neither costs the writers anything.',
      '',
      table(['capture', 'rate (target → achieved)', 'changes measured', 'P50 ms', 'P95 ms', 'P99 ms', 'max ms', `P95 per ${WINDOW_MS / 1000} s, ms`, ''], rows),
      '',
      `Over the whole scenario (${fmt(cpu.changesEach)} changes each, same wall time, including start-up and idle phases): ` +
        `CPU ${cpu.cdcSeconds} s for cdc vs ${cpu.debeziumSeconds} s for Debezium (${ratio(cpu.cdcSeconds, cpu.debeziumSeconds)}); ` +
        `peak RSS ${cpu.cdcPeakRssMb} MB vs ${cpu.debeziumPeakRssMb} MB (JVM, -Xmx1g).`,
    ];
    return { id: 'wal-latency' as const, data: { debeziumVersion: DEBEZIUM_VERSION, java: java.major, seconds, warmupSeconds: WARMUP_S, phases, cpu }, markdown: md };
  } finally {
    await worker?.stop().catch(() => undefined);
    await dbz?.stop();
    // Debezium's slot and cdc's (from the upgrade): a database with a slot cannot be dropped.
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND NOT active').catch(() => undefined);
    await db.drop();
  }
}
