import type { BenchContext, Dialect } from '../lib/context.js';
import { perSecond } from '../lib/context.js';
import { fmt, table } from '../lib/markdown.js';
import { analyze, backlog, BENCH_TABLE, createBenchTable, installTriggers, seedBacklog } from '../lib/seed.js';
import { runWorker } from '../lib/worker.js';
import { byProgress } from './drain.js';

/**
 * 4. Memory: RSS of the pipeline process, sampled every 250 ms, while it drains a backlog of
 * millions of changes. "Flat" means it does not grow with the part of the backlog already
 * delivered: RSS after 90 % is compared with RSS after 20 %. Rows are ~200 bytes here (a 160-char
 * payload) so 5M changes fit the time budget; the drain benchmark's 1 KB rows give the per-row
 * memory picture.
 */
const PAYLOAD = 160;

export async function memoryBenchmark(ctx: BenchContext) {
  const figures: {
    dialect: Dialect;
    backlog: number;
    changesPerSecond: number;
    peakRssMb: number;
    rssByProgress: { percent: number; rssMb: number }[];
    growthPercent: number;
    flat: boolean;
  }[] = [];
  for (const dialect of ctx.dialects) {
    const db = await ctx.createDatabase(dialect);
    try {
      await createBenchTable(db);
      await installTriggers(db, [BENCH_TABLE]);
      const n = ctx.sizes.memoryBacklog;
      ctx.log(`memory ${dialect}: seeding ${n} changes of ~${PAYLOAD + 40} bytes`);
      await seedBacklog(db, 1, n, BENCH_TABLE, PAYLOAD);
      await analyze(db);
      const inLog = await backlog(db);
      if (inLog !== n) throw new Error(`memory ${dialect}: expected ${n} changes in the log, found ${inLog}`);
      ctx.log(`memory ${dialect}: draining`);
      ctx.loadSample(`memory ${dialect} start`);
      const { result } = await runWorker({
        mode: 'drain',
        sink: 'kafkajs',
        brokers: ctx.brokers,
        batchSize: 2000,
        sourceId: ctx.sourceId(`mem_${dialect}`),
        sourceUrl: db.url,
        table: BENCH_TABLE,
        expect: n,
      });
      ctx.loadSample(`memory ${dialect} end`);
      const prog = byProgress(result, n);
      const at = (p: number) => prog.find((x) => x.percent === p)?.rssMb ?? NaN;
      const growth = Math.round(((at(90) - at(20)) / at(20)) * 1000) / 10;
      figures.push({
        dialect,
        backlog: n,
        changesPerSecond: perSecond(result.delivered, result.wallMs),
        peakRssMb: result.peakRssMb,
        rssByProgress: prog,
        growthPercent: growth,
        flat: growth < 25,
      });
    } finally {
      await db.drop();
    }
  }
  const md = [
    table(
      ['source', 'backlog', 'changes/s', 'peak RSS', 'RSS at 10 % … 100 % delivered (MB)', 'RSS 90 % vs 20 %', 'flat?'],
      figures.map((f) => [
        f.dialect,
        fmt(f.backlog),
        fmt(f.changesPerSecond),
        `**${f.peakRssMb} MB**`,
        f.rssByProgress.map((p) => Math.round(p.rssMb)).join(' · '),
        `${f.growthPercent > 0 ? '+' : ''}${f.growthPercent} %`,
        f.flat ? 'yes' : '**no**',
      ]),
    ),
  ];
  return { id: 'memory' as const, data: figures, markdown: md };
}
