import type { WorkerResult } from '../workers/pipeline-worker.js';
import type { BenchContext, Dialect } from '../lib/context.js';
import { perSecond } from '../lib/context.js';
import type { ProfileSummary } from '../lib/profile.js';
import { analyze, backlog, BENCH_TABLE, createBenchTable, installTriggers, seedBacklog } from '../lib/seed.js';
import { runWorker } from '../lib/worker.js';
import { fmt, table } from '../lib/markdown.js';

/**
 * 1. Drain throughput: a backlog of ~1 KB changes in the change log, drained into Kafka (acks=all,
 * idempotent producer) by one pipeline process with the default batch size. A second, smaller
 * backlog is drained under `node --cpu-prof` for the breakdown of where the CPU goes.
 */
export interface DrainFigures {
  dialect: Dialect;
  backlog: number;
  seedRowsPerSecond: number;
  changesPerSecond: number;
  wallMs: number;
  cpuCores: number;
  peakRssMb: number;
  stages: WorkerResult['stages'];
  rssByProgress: { percent: number; rssMb: number }[];
  profile: ProfileSummary | null;
  profiledChangesPerSecond: number;
}

export async function drainBenchmark(ctx: BenchContext) {
  const figures: DrainFigures[] = [];
  for (const dialect of ctx.dialects) {
    const db = await ctx.createDatabase(dialect);
    try {
      await createBenchTable(db);
      await installTriggers(db, [BENCH_TABLE]);
      const n = ctx.sizes.drainBacklog;
      ctx.log(`drain ${dialect}: seeding ${n} changes`);
      const seedRate = await seedBacklog(db, 1, n);
      await analyze(db);
      const inLog = await backlog(db);
      if (inLog !== n) throw new Error(`drain ${dialect}: expected ${n} changes in the log, found ${inLog}`);
      ctx.loadSample(`drain ${dialect} start`);
      ctx.log(`drain ${dialect}: draining ${n} changes`);
      const job = { brokers: ctx.brokers, sink: 'kafkajs' as const, batchSize: 2000, sourceUrl: db.url, table: BENCH_TABLE };
      const { result } = await runWorker({ ...job, mode: 'drain', sourceId: ctx.sourceId(`drain_${dialect}`), expect: n });
      ctx.loadSample(`drain ${dialect} end`);

      const p = ctx.sizes.profileBacklog;
      ctx.log(`drain ${dialect}: profiling a ${p}-change drain`);
      await seedBacklog(db, n + 1, p);
      await analyze(db);
      const prof = await runWorker({ ...job, mode: 'drain', sourceId: ctx.sourceId(`prof_${dialect}`), expect: p }, { profile: true });
      figures.push({
        dialect,
        backlog: n,
        seedRowsPerSecond: Math.round(seedRate),
        changesPerSecond: perSecond(result.delivered, result.wallMs),
        wallMs: result.wallMs,
        cpuCores: Math.round(((result.cpuUserMs + result.cpuSystemMs) / result.wallMs) * 100) / 100,
        peakRssMb: result.peakRssMb,
        stages: result.stages,
        rssByProgress: byProgress(result, n),
        profile: prof.profile,
        profiledChangesPerSecond: perSecond(prof.result.delivered, prof.result.wallMs),
      });
    } finally {
      await db.drop();
    }
  }
  return { id: 'drain' as const, data: figures, markdown: render(figures) };
}

/** RSS when 10 %, 20 %, … of the backlog had been delivered. */
export function byProgress(r: WorkerResult, total: number): { percent: number; rssMb: number }[] {
  const out: { percent: number; rssMb: number }[] = [];
  for (let pct = 10; pct <= 100; pct += 10) {
    const s = r.rss.find((x) => x.delivered >= (total * pct) / 100);
    if (s) out.push({ percent: pct, rssMb: s.rssMb });
  }
  return out;
}

function render(figures: DrainFigures[]): string[] {
  const md: string[] = [];
  md.push(
    table(
      ['source', 'backlog', 'changes/s', 'wall', 'CPU of the process (cores)', 'peak RSS', 'vs seed target 100K/s'],
      figures.map((f) => [
        f.dialect,
        fmt(f.backlog),
        `**${fmt(f.changesPerSecond)}**`,
        `${(f.wallMs / 1000).toFixed(1)} s`,
        f.cpuCores.toFixed(2),
        `${f.peakRssMb} MB`,
        `${((f.changesPerSecond / 100_000) * 100).toFixed(0)} %`,
      ]),
    ),
  );
  md.push(
    '',
    'RSS of the pipeline process when 10 %, 20 %, … 100 % of the backlog had been delivered (MB): ' +
      figures.map((f) => `${f.dialect} ${f.rssByProgress.map((p) => Math.round(p.rssMb)).join(' · ')}`).join('; ') +
      '.',
  );
  md.push(
    '',
    'Busy time per stage (sum of call durations; the pipeline overlaps read, write and ack, so they add up to more than the wall time):',
    '',
    table(
      ['source', 'read (query + decode)', 'encode (JSON, inside write)', 'write (encode + produce, acks=all)', 'ack (checkpoint + prune)', 'wall'],
      figures.map((f) => {
        const s = (k: string) => f.stages[k];
        const cell = (k: string) => (s(k) ? `${(s(k)!.ms / 1000).toFixed(1)} s (${((s(k)!.ms / f.wallMs) * 100).toFixed(0)} %)` : '–');
        return [f.dialect, cell('read'), cell('encode'), cell('write'), cell('ack'), `${(f.wallMs / 1000).toFixed(1)} s`];
      }),
    ),
  );
  for (const f of figures) {
    if (!f.profile) continue;
    md.push(
      '',
      `CPU profile of the ${f.dialect} drain (${fmt(f.profile.totalMs)} ms sampled, ${fmt(f.profiledChangesPerSecond)} changes/s under the profiler), self time by part of the data path:`,
      '',
      table(
        ['part', 'share', 'ms'],
        f.profile.categories.filter((c) => c.share >= 0.005).map((c) => [c.name, `${(c.share * 100).toFixed(1)} %`, fmt(c.ms)]),
      ),
      '',
      `Top functions (${f.dialect}):`,
      '',
      table(
        ['function', 'where', 'share'],
        f.profile.top.slice(0, 10).map((t) => [`\`${t.fn}\``, `\`${t.where}\``, `${(t.share * 100).toFixed(1)} %`]),
      ),
    );
  }
  return md;
}
