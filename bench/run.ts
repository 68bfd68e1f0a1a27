/**
 * `npm run bench` — the project's benchmark against the real services of the test setup
 * (scripts/services.sh: PostgreSQL :5432, MariaDB :3306, Kafka :9092), each scenario on fresh
 * databases and topics. Writes bench/results/<timestamp>.md and .json. See docs/benchmarks.md.
 *
 *   npm run bench                       full run (~20-25 min on 2 cores)
 *   npm run bench -- --quick            small sizes, under 3 minutes
 *   npm run bench -- --memory           only the memory scenario, 5M-change backlog (long)
 *   npm run bench -- --only drain,latency      some scenarios (drain latency overhead kafka-clients debezium wal-latency memory)
 *   npm run bench -- --dialect postgres        one source (postgres or mysql)
 *   npm run bench -- --skip debezium
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createContext, machineInfo, SECTIONS, type BenchContext, type Dialect, type SectionId } from './lib/context.js';
import { testKafka } from '../test/helpers/kafka.js';
import { renderReport, type SectionResult } from './lib/report.js';
import { drainBenchmark } from './scenarios/drain.js';
import { latencyBenchmark } from './scenarios/latency.js';
import { overheadBenchmark } from './scenarios/overhead.js';
import { kafkaClientsBenchmark } from './scenarios/kafka-clients.js';
import { debeziumBenchmark } from './scenarios/debezium.js';
import { memoryBenchmark } from './scenarios/memory.js';
import { walLatencyBenchmark } from './scenarios/wal-latency.js';

const RUNNERS: Record<SectionId, (ctx: BenchContext) => Promise<SectionResult>> = {
  drain: drainBenchmark,
  latency: latencyBenchmark,
  overhead: overheadBenchmark,
  'kafka-clients': kafkaClientsBenchmark,
  debezium: debeziumBenchmark,
  memory: memoryBenchmark,
  'wal-latency': walLatencyBenchmark,
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      memory: { type: 'boolean', default: false },
      only: { type: 'string' },
      skip: { type: 'string' },
      dialect: { type: 'string' },
      'no-services': { type: 'boolean', default: false },
    },
  });
  const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
  for (const s of [...list(values.only), ...list(values.skip)]) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${JSON.stringify(s)}; expected one of ${SECTIONS.join(', ')}`);
  }
  let sections: SectionId[] = values.memory
    ? ['memory']
    : values.only
      ? (list(values.only) as SectionId[])
      : SECTIONS.filter((s) => s !== 'memory' && !(values.quick && (s === 'debezium' || s === 'wal-latency')));
  sections = sections.filter((s) => !list(values.skip).includes(s));
  const dialects = (values.dialect ? list(values.dialect) : ['postgres', 'mysql']) as Dialect[];
  for (const d of dialects) if (d !== 'postgres' && d !== 'mysql') throw new Error(`--dialect: expected postgres or mysql, got ${d}`);

  if (!values['no-services']) {
    const r = spawnSync('bash', [fileURLToPath(new URL('../scripts/services.sh', import.meta.url)), 'postgres', 'mariadb', 'kafka'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('scripts/services.sh failed');
  }

  const ctx = createContext({ quick: values.quick!, dialects });
  const started = new Date();
  const mode = values.memory ? 'memory' : values.quick ? 'quick' : 'full';
  ctx.log(`${mode} run ${ctx.runId}: ${sections.join(', ')} on ${dialects.join(', ')}`);
  ctx.loadSample('start');
  const results: SectionResult[] = [];
  for (const id of sections) {
    const t0 = Date.now();
    try {
      const r = await RUNNERS[id](ctx);
      results.push({ ...r, seconds: Math.round((Date.now() - t0) / 1000) });
    } catch (err) {
      ctx.log(`${id} failed: ${(err as Error).stack ?? err}`);
      results.push({ id, data: null, markdown: [`**Failed:** ${(err as Error).message}`], seconds: Math.round((Date.now() - t0) / 1000), failed: true });
    }
    ctx.log(`${id} done in ${Math.round((Date.now() - t0) / 1000)} s`);
  }
  ctx.loadSample('end');
  await deleteRunTopics(ctx).catch((err) => ctx.log(`could not delete this run's topics: ${(err as Error).message}`));
  const finished = new Date();
  const meta = { mode, runId: ctx.runId, started: started.toISOString(), finished: finished.toISOString(), sizes: ctx.sizes, dialects, machine: machineInfo(), loads: ctx.loads };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const base = `${dir}${stamp}-${mode}`;
  writeFileSync(`${base}.json`, JSON.stringify({ meta, results }, null, 2));
  writeFileSync(`${base}.md`, renderReport(meta, results));
  ctx.log(`report: ${base}.md (raw figures: ${base}.json), ${Math.round((finished.getTime() - started.getTime()) / 1000)} s in all`);
  return results.some((r) => r.failed) ? 1 : 0;
}

/** The shared broker keeps topics for 7 days: drop this run's (gigabytes after a full run). */
async function deleteRunTopics(ctx: BenchContext): Promise<void> {
  const admin = testKafka(ctx.brokers).admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.includes(ctx.runId));
    if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    ctx.log(`deleted ${mine.length} topics of this run`);
  } finally {
    await admin.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
