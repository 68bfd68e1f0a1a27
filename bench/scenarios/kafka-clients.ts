import type { SinkKind } from '../workers/pipeline-worker.js';
import type { BenchContext } from '../lib/context.js';
import { perSecond } from '../lib/context.js';
import { fmt, median, ratio, table } from '../lib/markdown.js';
import { analyze, BENCH_TABLE, createBenchTable, installTriggers, seedBacklog } from '../lib/seed.js';
import { runWorker } from '../lib/worker.js';

/**
 * 5. The Kafka client under the sink: kafkajs (what `cdc run` uses) against @platformatic/kafka
 * (adapters/kafka-platformatic/), both idempotent with acks=all and one request in flight, writing
 * the same ~1 KB events in batches of 2000 as the pipeline does. Alternating rounds, fresh topics.
 * Then the whole pipeline (PostgreSQL drain) with each client, to see how much of the difference
 * survives end to end.
 */
const CLIENTS: SinkKind[] = ['kafkajs', 'platformatic'];

export async function kafkaClientsBenchmark(ctx: BenchContext) {
  const sinkOnly: { client: SinkKind; round: number; eventsPerSecond: number; cpuCores: number }[] = [];
  for (let round = 1; round <= ctx.sizes.sinkRounds; round++) {
    for (const client of round % 2 ? CLIENTS : [...CLIENTS].reverse()) {
      ctx.log(`kafka clients: ${client}, round ${round}, ${ctx.sizes.sinkEvents} events`);
      const { result } = await runWorker({
        mode: 'sink',
        sink: client,
        brokers: ctx.brokers,
        batchSize: 2000,
        sourceId: ctx.sourceId(`sink_${client}_${round}`),
        expect: ctx.sizes.sinkEvents,
        rowBytes: 1000,
      });
      sinkOnly.push({
        client,
        round,
        eventsPerSecond: perSecond(result.delivered, result.wallMs),
        cpuCores: Math.round(((result.cpuUserMs + result.cpuSystemMs) / result.wallMs) * 100) / 100,
      });
    }
  }
  const med = (c: SinkKind) => median(sinkOnly.filter((s) => s.client === c).map((s) => s.eventsPerSecond));

  const endToEnd: { client: SinkKind; changesPerSecond: number; cpuCores: number }[] = [];
  if (ctx.dialects.includes('postgres')) {
    const db = await ctx.createDatabase('postgres');
    try {
      await createBenchTable(db);
      await installTriggers(db, [BENCH_TABLE]);
      const n = Math.round(ctx.sizes.profileBacklog / 2);
      let first = 1;
      for (const client of CLIENTS) {
        await seedBacklog(db, first, n);
        first += n;
        await analyze(db);
        ctx.log(`kafka clients: PostgreSQL drain of ${n} with ${client}`);
        const { result } = await runWorker({
          mode: 'drain',
          sink: client,
          brokers: ctx.brokers,
          batchSize: 2000,
          sourceId: ctx.sourceId(`e2e_${client}`),
          sourceUrl: db.url,
          table: BENCH_TABLE,
          expect: n,
        });
        endToEnd.push({
          client,
          changesPerSecond: perSecond(result.delivered, result.wallMs),
          cpuCores: Math.round(((result.cpuUserMs + result.cpuSystemMs) / result.wallMs) * 100) / 100,
        });
      }
    } finally {
      await db.drop();
    }
  }

  const md = [
    table(
      ['client', 'round', 'events/s (sink only)', 'CPU (cores)'],
      sinkOnly.map((s) => [s.client, s.round, fmt(s.eventsPerSecond), s.cpuCores.toFixed(2)]),
    ),
    '',
    `Median sink-only throughput: kafkajs ${fmt(med('kafkajs'))}/s, @platformatic/kafka ${fmt(med('platformatic'))}/s — ratio **${ratio(med('platformatic'), med('kafkajs'))}×**.`,
  ];
  if (endToEnd.length) {
    md.push(
      '',
      table(
        ['client', 'PostgreSQL drain, changes/s', 'CPU (cores)'],
        endToEnd.map((e) => [e.client, fmt(e.changesPerSecond), e.cpuCores.toFixed(2)]),
      ),
    );
  }
  return { id: 'kafka-clients' as const, data: { sinkOnly, endToEnd }, markdown: md };
}
