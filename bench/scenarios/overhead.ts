import { spawn, spawnSync } from 'node:child_process';
import type { TestDatabase } from '../../test/helpers/dialects.js';
import type { BenchContext, Dialect } from '../lib/context.js';
import { fmt, median, ratio, table } from '../lib/markdown.js';
import { installTriggers, uninstallTriggers } from '../lib/seed.js';

/**
 * 3. What capture costs the source: a standard write benchmark without capture (A) and with the
 * triggers installed (B), alternating A/B, B/A, … in one run so drift (autovacuum, bloat, other
 * load) hits both sides; plus one bulk UPDATE of many rows each way. `cdc run` is not running
 * during B: this is the triggers' cost inside the writing transactions (the change log grows).
 */
const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const CLIENTS = 8;

interface Pair {
  round: number;
  order: string;
  without: number;
  with: number;
}

interface OverheadFigures {
  dialect: Dialect;
  tool: string;
  pairs: Pair[];
  medianRatio: number;
  bulk: { rows: number; withoutMs: number[]; withMs: number[]; ratio: number };
}

function exec(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out.slice(-600)}`));
    });
  });
}

function ensureSysbench(ctx: BenchContext): void {
  if (spawnSync('sysbench', ['--version']).status === 0) return;
  ctx.log('installing sysbench (apt-get)');
  const r = spawnSync('bash', ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q sysbench || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q sysbench)'], {
    stdio: 'ignore',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error('sysbench is missing and apt-get install sysbench failed');
}

interface Tool {
  name: string;
  tables: string[];
  prepare(): Promise<void>;
  run(seconds: number): Promise<number>;
}

function pgbench(ctx: BenchContext, db: TestDatabase): Tool {
  const conn = ['-h', '127.0.0.1', '-p', new URL(db.url).port || '5432', '-U', 'postgres'];
  return {
    name: `pgbench tpcb-like, scale ${ctx.sizes.pgbenchScale}, ${CLIENTS} clients`,
    tables: ['pgbench_accounts', 'pgbench_tellers', 'pgbench_branches'],
    prepare: async () => void (await exec(PGBENCH, [...conn, '-i', '-q', '-s', String(ctx.sizes.pgbenchScale), db.name], 600_000)),
    async run(seconds) {
      const out = await exec(PGBENCH, [...conn, '-c', String(CLIENTS), '-j', '2', '-T', String(seconds), '-n', '-M', 'prepared', db.name], seconds * 1000 + 120_000);
      const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
      if (!m) throw new Error(`pgbench: no tps in output: ${out.slice(-400)}`);
      return Number(m[1]);
    },
  };
}

function sysbench(ctx: BenchContext, db: TestDatabase): Tool {
  const u = new URL(db.url);
  const conn = [`--mysql-host=127.0.0.1`, `--mysql-port=${u.port || '3306'}`, '--mysql-user=root', `--mysql-db=${db.name}`, '--db-driver=mysql', '--tables=4'];
  return {
    name: `sysbench oltp_write_only, 4 tables × ${fmt(ctx.sizes.sysbenchTableSize)} rows, ${CLIENTS} threads`,
    tables: ['sbtest1', 'sbtest2', 'sbtest3', 'sbtest4'],
    prepare: async () => void (await exec('sysbench', ['oltp_write_only', ...conn, `--table-size=${ctx.sizes.sysbenchTableSize}`, 'prepare'], 600_000)),
    async run(seconds) {
      const out = await exec(
        'sysbench',
        ['oltp_write_only', ...conn, `--table-size=${ctx.sizes.sysbenchTableSize}`, `--threads=${CLIENTS}`, `--time=${seconds}`, '--report-interval=0', 'run'],
        seconds * 1000 + 120_000,
      );
      const m = /transactions:\s+\d+\s+\(([\d.]+) per sec/.exec(out);
      if (!m) throw new Error(`sysbench: no transactions/s in output: ${out.slice(-400)}`);
      return Number(m[1]);
    },
  };
}

async function bulkUpdate(ctx: BenchContext, db: TestDatabase, rounds: number) {
  const rows = ctx.sizes.bulkRows;
  const text = db.dialect === 'postgres' ? 'text' : 'varchar(200)';
  await db.exec(`CREATE TABLE bulk_rows (id int PRIMARY KEY, k int NOT NULL, payload ${text} NOT NULL)`);
  const fill =
    db.dialect === 'postgres'
      ? `INSERT INTO bulk_rows SELECT g, g % 100, repeat('b', 100) FROM generate_series(1, ${rows}) g`
      : `INSERT INTO bulk_rows SELECT seq, seq % 100, REPEAT('b', 100) FROM seq_1_to_${rows}`;
  await db.exec(fill);
  const timeUpdate = async () => {
    const t0 = performance.now();
    await db.exec('UPDATE bulk_rows SET k = k + 1');
    return Math.round(performance.now() - t0);
  };
  await timeUpdate(); // warm the buffer pool
  const withoutMs: number[] = [];
  const withMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    withoutMs.push(await timeUpdate());
    await installTriggers(db, ['bulk_rows']);
    withMs.push(await timeUpdate());
    await uninstallTriggers(db, ['bulk_rows']);
  }
  return { rows, withoutMs, withMs, ratio: Math.round((median(withMs) / median(withoutMs)) * 100) / 100 };
}

export async function overheadBenchmark(ctx: BenchContext) {
  const figures: OverheadFigures[] = [];
  if (ctx.dialects.includes('mysql')) ensureSysbench(ctx);
  for (const dialect of ctx.dialects) {
    const db = await ctx.createDatabase(dialect);
    try {
      const tool = dialect === 'postgres' ? pgbench(ctx, db) : sysbench(ctx, db);
      ctx.log(`overhead ${dialect}: preparing ${tool.name}`);
      await tool.prepare();
      const pairs: Pair[] = [];
      const secs = ctx.sizes.overheadSeconds;
      for (let round = 1; round <= ctx.sizes.overheadRounds; round++) {
        const withFirst = round % 2 === 0;
        ctx.log(`overhead ${dialect}: round ${round} (${withFirst ? 'B/A' : 'A/B'}), ${secs} s each`);
        let without = 0;
        let withT = 0;
        if (withFirst) {
          await installTriggers(db, tool.tables);
          withT = await tool.run(secs);
          await uninstallTriggers(db, tool.tables);
          without = await tool.run(secs);
        } else {
          without = await tool.run(secs);
          await installTriggers(db, tool.tables);
          withT = await tool.run(secs);
          await uninstallTriggers(db, tool.tables);
        }
        pairs.push({ round, order: withFirst ? 'B/A' : 'A/B', without, with: withT });
      }
      ctx.log(`overhead ${dialect}: bulk UPDATE of ${ctx.sizes.bulkRows} rows`);
      const bulk = await bulkUpdate(ctx, db, Math.max(1, ctx.sizes.overheadRounds - 1));
      figures.push({ dialect, tool: tool.name, pairs, medianRatio: Math.round(median(pairs.map((p) => p.with / p.without)) * 100) / 100, bulk });
    } finally {
      await db.drop();
    }
  }
  const md: string[] = [];
  md.push(
    table(
      ['source', 'benchmark', 'round', 'TPS without capture (A)', 'TPS with triggers (B)', 'B / A'],
      figures.flatMap((f) => f.pairs.map((p) => [f.dialect, f.tool, `${p.round} (${p.order})`, fmt(Math.round(p.without)), fmt(Math.round(p.with)), ratio(p.with, p.without)])),
    ),
    '',
    table(
      ['source', 'median TPS ratio with/without', 'bulk UPDATE rows', 'without triggers (ms)', 'with triggers (ms)', 'time ratio with/without'],
      figures.map((f) => [f.dialect, `**${f.medianRatio.toFixed(2)}**`, fmt(f.bulk.rows), f.bulk.withoutMs.join(', '), f.bulk.withMs.join(', '), `**${f.bulk.ratio.toFixed(2)}×**`]),
    ),
    '',
    'pgbench captures the three tables with a primary key (accounts, tellers, branches: three row changes per transaction); ' +
      '`pgbench_history` has no key and is not captured. sysbench captures all four `sbtest` tables (each transaction: two UPDATEs, a DELETE and an INSERT). ' +
      'During B nothing drains the log, so this is the cost inside the writing transactions alone; a `cdc run` on the same 2 cores would compete for CPU as well.',
  );
  return { id: 'overhead' as const, data: figures, markdown: md };
}
