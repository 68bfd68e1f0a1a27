import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumeAll, testKafka, topicOffset, type TopicContent } from '../../test/helpers/kafka.js';
import type { BenchContext } from '../lib/context.js';
import { perSecond } from '../lib/context.js';
import { DEBEZIUM_VERSION, type DebeziumRun, debeziumProps, ensureDebeziumDist, freePort, newestJavaHome, startDebezium } from '../lib/debezium.js';
import { writeAtFixedRate } from '../lib/fixed-rate-writer.js';
import { fmt, percentile, ratio, table } from '../lib/markdown.js';
import { analyze, BENCH_TABLE, createBenchTable, installTriggers, seedBacklog } from '../lib/seed.js';
import { runWorker, startWorker } from '../lib/worker.js';
import { runCli } from '../../test/helpers/cli.js';

/**
 * 6. cdc (trigger mode) and Debezium Server (log-based: pgoutput logical decoding) on the same
 * PostgreSQL table, the same Kafka, one after the other in one run:
 *  - throughput: the same N INSERTs are both in cdc's change log and in the WAL behind Debezium's
 *    slot; each drains them into its own topic (acks=all, idempotent producers);
 *  - latency: a writer commits 2K changes/s, first with cdc running, then with Debezium running;
 *    for both, commit → the record's LogAppendTime (the broker's clock, same machine), so both
 *    are measured the same way.
 * The last step drains the same INSERTs with cdc's own WAL adapter; its steady-state latency next
 * to Debezium's is section 7 (wal-latency.ts).
 */
const LATENCY_RATE = 2000;

async function createLogAppendTopics(topics: string[], brokers: string[]): Promise<void> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] })),
    });
  } finally {
    await admin.disconnect();
  }
}

function stats(lat: number[]) {
  const s = [...lat].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { count: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? NaN) };
}

export async function debeziumBenchmark(ctx: BenchContext) {
  if (!ctx.dialects.includes('postgres')) return { id: 'debezium' as const, data: null, markdown: ['Skipped: PostgreSQL not selected.'] };
  const home = ensureDebeziumDist(ctx.log);
  const java = newestJavaHome();
  const db = await ctx.createDatabase('postgres');
  const sid = ctx.sourceId('dbzcmp');
  const prefix = ctx.sourceId('dbz');
  const cdcTopic = `cdc.${sid}.public.${BENCH_TABLE}`;
  const dbzTopic = `${prefix}.public.${BENCH_TABLE}`;
  const slot = `${prefix}_slot`.toLowerCase();
  const n = ctx.sizes.debeziumChanges;
  const props = debeziumProps({
    dbname: db.name,
    port: Number(new URL(db.url).port || 5432),
    topicPrefix: prefix,
    table: `public.${BENCH_TABLE}`,
    slot,
    publication: `${prefix}_pub`.toLowerCase(),
    brokers: ctx.brokers,
    offsetsFile: join(tmpdir(), `${prefix}-offsets.dat`),
    httpPort: await freePort(),
  });
  let dbz: DebeziumRun | null = null;
  try {
    await createBenchTable(db);
    await installTriggers(db, [BENCH_TABLE]);
    await db.exec(`CREATE PUBLICATION ${props['debezium.source.publication.name']} FOR TABLE public.${BENCH_TABLE}`);
    await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    await createLogAppendTopics([cdcTopic, dbzTopic], ctx.brokers);

    // Throughput: one backlog, both drain it.
    ctx.log(`debezium: seeding ${n} changes (trigger log + WAL)`);
    await seedBacklog(db, 1, n);
    await analyze(db);
    ctx.log(`debezium: cdc drains ${n}`);
    const cdc = (await runWorker({ mode: 'drain', sink: 'kafkajs', brokers: ctx.brokers, batchSize: 2000, sourceId: sid, sourceUrl: db.url, table: BENCH_TABLE, expect: n }))
      .result;
    ctx.log(`debezium: Debezium Server ${DEBEZIUM_VERSION} (Java ${java.major}) drains ${n}`);
    const t0 = performance.now();
    dbz = startDebezium(home, props, java.home);
    let tFirst = 0;
    let cpuAtFirst = 0;
    for (;;) {
      const c = await topicOffset(dbzTopic, ctx.brokers);
      if (c > 0 && !tFirst) {
        tFirst = performance.now();
        cpuAtFirst = dbz.usage().cpuSeconds;
      }
      if (c >= n) break;
      if (dbz.child.exitCode !== null) throw new Error(`Debezium Server exited ${dbz.child.exitCode}: ${dbz.log().slice(-1500)}`);
      if (performance.now() - t0 > 15 * 60_000) throw new Error(`Debezium delivered ${c} of ${n} in 15 min`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const tEnd = performance.now();
    const dbzUsage = dbz.usage();
    await dbz.stop();
    const dbzStreamMs = tEnd - tFirst;

    // Latency: cdc alone, then Debezium alone, same writer.
    ctx.log(`debezium: latency, cdc at ${LATENCY_RATE}/s`);
    const worker = startWorker({ mode: 'serve', sink: 'kafkajs', brokers: ctx.brokers, batchSize: 2000, sourceId: sid, sourceUrl: db.url, table: BENCH_TABLE });
    await Promise.race([worker.ready, worker.done]);
    await new Promise((r) => setTimeout(r, 1500));
    const secs = ctx.sizes.debeziumLatencySeconds;
    const wCdc = await writeAtFixedRate(db, { ratePerSecond: LATENCY_RATE, durationMs: secs * 1000, firstId: 10_000_001, table: BENCH_TABLE });
    await new Promise((r) => setTimeout(r, 3000));
    await worker.stop();

    ctx.log(`debezium: latency, Debezium at ${LATENCY_RATE}/s`);
    dbz = startDebezium(home, props, java.home);
    // It first streams what cdc's latency phase wrote to the WAL; start the clock after that.
    const caughtUp = n + wCdc.ids.length;
    for (const t1 = performance.now(); (await topicOffset(dbzTopic, ctx.brokers)) < caughtUp; ) {
      if (dbz.child.exitCode !== null || performance.now() - t1 > 5 * 60_000) throw new Error(`Debezium did not catch up: ${dbz.log().slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const wDbz = await writeAtFixedRate(db, { ratePerSecond: LATENCY_RATE, durationMs: secs * 1000, firstId: 20_000_001, table: BENCH_TABLE });
    for (const t1 = performance.now(); (await topicOffset(dbzTopic, ctx.brokers)) < caughtUp + wDbz.ids.length && performance.now() - t1 < 60_000; ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await dbz.stop();

    // cdc's own log-based mode: the same INSERTs into a second table moved to WAL capture.
    ctx.log(`debezium: cdc WAL adapter drains ${n}`);
    const walTable = 'bench_wal';
    await createBenchTable(db, walTable);
    await installTriggers(db, [walTable]);
    // cdc's WAL mode wants full before images (UPDATE/DELETE); INSERTs, all this test writes, are the same either way.
    await db.exec(`ALTER TABLE ${walTable} REPLICA IDENTITY FULL`);
    const up = await runCli(['upgrade', '--source', db.url, '--table', walTable, '--to', 'wal'], {}, 120_000);
    if (up.code !== 0) throw new Error(`cdc upgrade --to wal: ${up.stderr}`);
    const walWorker = startWorker({ mode: 'drain', sink: 'kafkajs', brokers: ctx.brokers, batchSize: 2000, sourceId: ctx.sourceId('walcmp'), sourceUrl: db.url, table: walTable, expect: n });
    await seedBacklog(db, 1, n, walTable);
    const wal = await walWorker.done;

    ctx.log('debezium: reading both topics for the latency figures');
    const appendTimes = async (topic: string, idOf: (v: any) => number, from: number, count: number, content: TopicContent) => {
      const msgs = await consumeAll([topic], {
        brokers: ctx.brokers,
        content,
        until: (m) => m.length >= count,
        timeoutMs: 300_000,
      });
      const at = new Map<number, number>();
      for (const m of msgs) {
        const id = idOf(m.value);
        if (id >= from && !at.has(id)) at.set(id, Number(m.timestamp));
      }
      return at;
    };
    const latencies = (w: typeof wCdc, at: Map<number, number>) => {
      const out: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        const a = at.get(w.ids[i]!);
        if (a !== undefined) out.push(a - w.committedAt[i]!);
      }
      return out;
    };
    const cdcAt = await appendTimes(cdcTopic, (v) => Number(v.after_data?.id ?? v.before_data?.id), 10_000_001, n + wCdc.ids.length, 'native');
    const dbzAt = await appendTimes(dbzTopic, (v) => Number(v.after?.id ?? v.before?.id), 20_000_001, caughtUp + wDbz.ids.length, 'other');
    const latCdc = stats(latencies(wCdc, cdcAt));
    const latDbz = stats(latencies(wDbz, dbzAt));

    const data = {
      debeziumVersion: DEBEZIUM_VERSION,
      java: java.major,
      backlog: n,
      cdc: {
        changesPerSecond: perSecond(cdc.delivered, cdc.wallMs),
        cpuCores: Math.round(((cdc.cpuUserMs + cdc.cpuSystemMs) / cdc.wallMs) * 100) / 100,
        cpuSecondsPer100k: Math.round(((cdc.cpuUserMs + cdc.cpuSystemMs) / 1000 / n) * 100_000 * 10) / 10,
        peakRssMb: cdc.peakRssMb,
        latency: { ...latCdc, written: wCdc.ids.length, achievedRate: wCdc.achievedRate },
      },
      cdcWal: {
        changesPerSecond: perSecond(wal.delivered, wal.wallMs),
        cpuCores: Math.round(((wal.cpuUserMs + wal.cpuSystemMs) / wal.wallMs) * 100) / 100,
        cpuSecondsPer100k: Math.round(((wal.cpuUserMs + wal.cpuSystemMs) / 1000 / n) * 100_000 * 10) / 10,
        peakRssMb: wal.peakRssMb,
      },
      debezium: {
        changesPerSecond: perSecond(n, dbzStreamMs),
        changesPerSecondIncludingStartup: perSecond(n, tEnd - t0),
        startupMs: Math.round(tFirst - t0),
        cpuCores: Math.round(((dbzUsage.cpuSeconds - cpuAtFirst) / (dbzStreamMs / 1000)) * 100) / 100,
        cpuSecondsPer100k: Math.round(((dbzUsage.cpuSeconds - cpuAtFirst) / n) * 100_000 * 10) / 10,
        peakRssMb: dbzUsage.peakRssMb,
        latency: { ...latDbz, written: wDbz.ids.length, achievedRate: wDbz.achievedRate },
      },
    };
    const md = [
      `Debezium Server ${DEBEZIUM_VERSION} on Java ${java.major} (its 3.x class files need Java 21+; the machine's default Java 17 cannot run it), ` +
        `PostgreSQL connector with \`pgoutput\`, Kafka sink with acks=all and idempotence, JSON without schemas, poll interval 50 ms (cdc's default; Debezium's own default is 500 ms). ` +
        `Same table, same ${fmt(n)} INSERTs of ~1 KB rows, same broker. **Debezium is log-based** (logical decoding of the WAL); cdc here is trigger-based — ` +
        'the triggers also cost the writers (section 3), which Debezium does not. ' +
        `The last rows are cdc's own WAL adapter (\`cdc upgrade --to wal\`, pgoutput) on a second table with the same ${fmt(n)} INSERTs; ` +
        'its worker was started before the INSERTs, so its time includes the writing (it streams while they commit).',
      '',
      table(
        ['', 'cdc (triggers)', 'Debezium Server (WAL)', 'cdc / Debezium'],
        [
          ['drain throughput, changes/s', fmt(data.cdc.changesPerSecond), `${fmt(data.debezium.changesPerSecond)} (from its first message; ${fmt(data.debezium.changesPerSecondIncludingStartup)} with its ${(data.debezium.startupMs / 1000).toFixed(1)} s start-up)`, `**${ratio(data.cdc.changesPerSecond, data.debezium.changesPerSecond)}**`],
          ['CPU while draining (cores)', data.cdc.cpuCores.toFixed(2), data.debezium.cpuCores.toFixed(2), ratio(data.cdc.cpuCores, data.debezium.cpuCores)],
          ['CPU seconds per 100K changes', data.cdc.cpuSecondsPer100k, data.debezium.cpuSecondsPer100k, ratio(data.cdc.cpuSecondsPer100k, data.debezium.cpuSecondsPer100k)],
          ['peak RSS', `${data.cdc.peakRssMb} MB`, `${data.debezium.peakRssMb} MB (JVM, -Xmx1g)`, ratio(data.cdc.peakRssMb, data.debezium.peakRssMb)],
          [`latency P50 at ${fmt(LATENCY_RATE)}/s (commit → LogAppendTime), ms`, latCdc.p50, latDbz.p50, `**${ratio(latCdc.p50, latDbz.p50)}**`],
          ['latency P95, ms', latCdc.p95, latDbz.p95, `**${ratio(latCdc.p95, latDbz.p95)}**`],
          ['latency P99, ms', latCdc.p99, latDbz.p99, `**${ratio(latCdc.p99, latDbz.p99)}**`],
          ['latency max, ms', latCdc.max, latDbz.max, ratio(latCdc.max, latDbz.max)],
          ['changes in the latency sample', fmt(latCdc.count), fmt(latDbz.count), ''],
          ['cdc WAL adapter: drain, changes/s', fmt(data.cdcWal.changesPerSecond), fmt(data.debezium.changesPerSecond), `**${ratio(data.cdcWal.changesPerSecond, data.debezium.changesPerSecond)}**`],
          ['cdc WAL adapter: CPU seconds per 100K changes', data.cdcWal.cpuSecondsPer100k, data.debezium.cpuSecondsPer100k, ratio(data.cdcWal.cpuSecondsPer100k, data.debezium.cpuSecondsPer100k)],
          ['cdc WAL adapter: peak RSS', `${data.cdcWal.peakRssMb} MB`, `${data.debezium.peakRssMb} MB`, ratio(data.cdcWal.peakRssMb, data.debezium.peakRssMb)],
        ],
      ),
    ];
    return { id: 'debezium' as const, data, markdown: md };
  } finally {
    await dbz?.stop();
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot]).catch(() => undefined);
    await db.drop();
  }
}
