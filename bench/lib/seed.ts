import assert from 'node:assert/strict';
import type { TestDatabase } from '../../test/helpers/dialects.js';
import { runCli } from '../../test/helpers/cli.js';

/**
 * The benchmark table: ~1 KB rows (a 960-character text column), like a typical legacy row with
 * a few small columns and one larger one. Its change log is filled by the real triggers.
 */
export const BENCH_TABLE = 'bench_rows';
export const PAYLOAD_CHARS = 960;

export async function createBenchTable(db: TestDatabase, table = BENCH_TABLE): Promise<void> {
  if (db.dialect === 'postgres') {
    await db.exec(`CREATE TABLE ${table} (id bigint PRIMARY KEY, k int NOT NULL, payload text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
  } else {
    await db.exec(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, k int NOT NULL, payload text NOT NULL, updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
    );
  }
}

export async function installTriggers(db: TestDatabase, tables: string[], extra: string[] = []): Promise<void> {
  const r = await runCli(['install-triggers', '--source', db.url, '--table', tables.join(','), ...extra], {}, 120_000);
  assert.equal(r.code, 0, `install-triggers ${tables.join(',')}: ${r.stderr}`);
}

export async function uninstallTriggers(db: TestDatabase, tables: string[]): Promise<void> {
  // --force: a benchmark discards whatever an earlier phase left in the logs.
  const r = await runCli(['uninstall-triggers', '--source', db.url, '--table', tables.join(','), '--force'], {}, 120_000);
  assert.equal(r.code, 0, `uninstall-triggers ${tables.join(',')}: ${r.stderr}`);
}

/** SQL that inserts rows `from`..`to` (inclusive) of ~1 KB each in one statement. */
export function insertRangeSql(db: TestDatabase, from: number, to: number, table = BENCH_TABLE, payloadChars = PAYLOAD_CHARS): string {
  const reps = Math.max(1, Math.round(payloadChars / 32));
  return db.dialect === 'postgres'
    ? `INSERT INTO ${table} (id, k, payload) SELECT g, g % 1000, repeat(md5(g::text), ${reps}) FROM generate_series(${from}, ${to}) AS g`
    : // MariaDB's sequence engine: seq_<from>_to_<to> is a virtual table of those integers.
      `INSERT INTO ${table} (id, k, payload) SELECT seq, seq % 1000, REPEAT(MD5(seq), ${reps}) FROM seq_${from}_to_${to}`;
}

/**
 * Inserts `count` rows starting at id `firstId` (~`payloadChars` + 40 bytes each), 20K per transaction (two sessions in parallel),
 * so the triggers write `count` changes into the change log. Returns changes written per second.
 */
export async function seedBacklog(db: TestDatabase, firstId: number, count: number, table = BENCH_TABLE, payloadChars = PAYLOAD_CHARS): Promise<number> {
  const t0 = performance.now();
  const chunk = 20_000;
  const starts: number[] = [];
  for (let s = firstId; s < firstId + count; s += chunk) starts.push(s);
  const lanes = 2;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < starts.length; i += lanes) {
        const from = starts[i]!;
        const to = Math.min(from + chunk, firstId + count) - 1;
        await db.exec(insertRangeSql(db, from, to, table, payloadChars));
      }
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

/** Rows in the table's change log (`cdc status` backlog). */
export async function backlog(db: TestDatabase): Promise<number> {
  const r = await runCli(['status', '--source', db.url, '--json'], {}, 120_000);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { table: string; backlog: number }[];
  return rows.reduce((n, t) => n + t.backlog, 0);
}

/** Makes the planner and the visibility map current after a bulk load, as autovacuum would soon. */
export async function analyze(db: TestDatabase): Promise<void> {
  if (db.dialect === 'postgres') await db.exec('VACUUM ANALYZE');
  else {
    const tables = await db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()`);
    for (const { t } of tables) await db.exec(`ANALYZE TABLE ${db.q(t)}`);
  }
}
