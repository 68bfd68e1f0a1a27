import type { BenchContext, Dialect } from '../lib/context.js';
import { writeAtFixedRate } from '../lib/fixed-rate-writer.js';
import { fmt, percentile, table } from '../lib/markdown.js';
import { backlog, BENCH_TABLE, createBenchTable, installTriggers } from '../lib/seed.js';
import { startWorker } from '../lib/worker.js';

/**
 * 2. Steady-state latency: a writer commits at a fixed rate while the pipeline runs like `cdc run`
 * (CaptureService, default 50 ms poll interval, batch size 2000). For each change: time from its
 * COMMIT returning to the sink's acknowledgement (acks=all) of the write that carried it, both
 * taken from the wall clock of this one machine. The first 2 s are warm-up and not counted.
 */
export interface LatencyFigures {
  dialect: Dialect;
  targetRate: number;
  achievedRate: number;
  changes: number;
  missing: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cpuCores: number;
}

const WARMUP_MS = 2000;

export async function measureLatency(
  ctx: BenchContext,
  dialect: Dialect,
  rate: number,
  seconds: number,
): Promise<LatencyFigures> {
  const db = await ctx.createDatabase(dialect);
  try {
    await createBenchTable(db);
    await installTriggers(db, [BENCH_TABLE]);
    const worker = startWorker({
      mode: 'serve',
      brokers: ctx.brokers,
      sink: 'kafkajs',
      batchSize: 2000,
      sourceId: ctx.sourceId(`lat_${dialect}_${rate}`),
      sourceUrl: db.url,
      table: BENCH_TABLE,
    });
    await Promise.race([worker.ready, worker.done]);
    // Let the first empty polls, topic creation and connections happen before the clock runs.
    await db.exec(`INSERT INTO ${BENCH_TABLE} (id, k, payload) VALUES (0, 0, 'warm-up')`);
    await new Promise((r) => setTimeout(r, 1500));
    ctx.loadSample(`latency ${dialect} ${rate}/s start`);
    const w = await writeAtFixedRate(db, { ratePerSecond: rate, durationMs: seconds * 1000 + WARMUP_MS, firstId: 1, table: BENCH_TABLE });
    ctx.loadSample(`latency ${dialect} ${rate}/s end`);
    // Where the pipeline fell behind, let it catch up so every change gets its latency.
    for (const t1 = Date.now(); (await backlog(db)) > 0 && Date.now() - t1 < 300_000; ) await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 500));
    const result = await worker.stop();
    const acked = new Map<number, number>();
    const { ids, at } = result.acks!;
    for (let i = 0; i < ids.length; i++) if (!acked.has(ids[i]!)) acked.set(ids[i]!, at[i]!);
    const start = w.committedAt[0]! + WARMUP_MS;
    const lat: number[] = [];
    let missing = 0;
    for (let i = 0; i < w.ids.length; i++) {
      if (w.committedAt[i]! < start) continue;
      const a = acked.get(w.ids[i]!);
      if (a === undefined) missing++;
      else lat.push(a - w.committedAt[i]!);
    }
    lat.sort((x, y) => x - y);
    const r1 = (n: number) => Math.round(n * 10) / 10;
    return {
      dialect,
      targetRate: rate,
      achievedRate: w.achievedRate,
      changes: lat.length,
      missing,
      p50: r1(percentile(lat, 50)),
      p95: r1(percentile(lat, 95)),
      p99: r1(percentile(lat, 99)),
      max: r1(lat[lat.length - 1] ?? NaN),
      cpuCores: Math.round(((result.cpuUserMs + result.cpuSystemMs) / result.wallMs) * 100) / 100,
    };
  } finally {
    await db.drop();
  }
}

export async function latencyBenchmark(ctx: BenchContext) {
  const figures: LatencyFigures[] = [];
  for (const dialect of ctx.dialects) {
    for (const rate of ctx.sizes.latencyRates) {
      ctx.log(`latency ${dialect}: ${rate} changes/s for ${ctx.sizes.latencySeconds} s`);
      figures.push(await measureLatency(ctx, dialect, rate, ctx.sizes.latencySeconds));
    }
  }
  const md = [
    table(
      ['source', 'rate (target → achieved)', 'changes measured', 'P50 ms', 'P95 ms', 'P99 ms', 'max ms', 'missing', 'CPU (cores)', 'target at 2K/s: P95 < 100, P99 < 250'],
      figures.map((f) => [
        f.dialect,
        `${fmt(f.targetRate)} → ${fmt(f.achievedRate)}`,
        fmt(f.changes),
        f.p50,
        `**${f.p95}**`,
        `**${f.p99}**`,
        f.max,
        f.missing,
        f.cpuCores.toFixed(2),
        f.targetRate === 2000 ? (f.p95 < 100 && f.p99 < 250 ? 'met' : '**missed**') : '',
      ]),
    ),
  ];
  return { id: 'latency' as const, data: figures, markdown: md };
}
