import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import type { TestDatabase } from '../helpers/dialects.js';
import { HOT_TABLE, runWorkload, type CommittedChange } from '../helpers/workload.js';
import { runCli, withCdcRun } from '../helpers/cli.js';
import type { ModeTarget, Row } from './contract.js';

/** What the SQL modes (trigger, poll, wal, binlog on PostgreSQL and MariaDB) share. */

export const WORKLOAD = { writers: 4, keys: 10, durationMs: 120_000, maxSleepMs: 60, rollbackRatio: 0.1 };

async function bulkSql(db: TestDatabase, n: number): Promise<CommittedChange[]> {
  const out: CommittedChange[] = [];
  for (let start = 0; start < n; start += 1000) {
    const ids = Array.from({ length: Math.min(1000, n - start) }, (_, i) => 100_001 + start + i);
    await db.exec(`INSERT INTO ${HOT_TABLE} (id, v, tok) VALUES ${ids.map((id) => `(${id}, 0, 'bulk')`).join(', ')}`);
    for (const key of ids) out.push({ key, v: 0, op: 'INSERT', tok: 'bulk' });
  }
  return out;
}

const sqlImage = (value: any): Row | null => {
  const image = value.operation === 'DELETE' ? value.before_data : value.after_data;
  return image && 'v' in image ? { id: Number(image.id), v: Number(image.v), tok: String(image.tok) } : null;
};

/** Rows of cdc's registry tables that name `table`, and cdc objects named after it. */
async function sqlLeftovers(db: TestDatabase, registry: string, table: string): Promise<string[]> {
  const named = (await db.objects()).filter((o) => o.includes(`_${table}_`) || o.startsWith('trigger:cdc'));
  const tables =
    db.dialect === 'postgres'
      ? await db.query<{ t: string }>(`SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = $1`, [registry])
      : await db.query<{ t: string }>(`SELECT CONCAT('\`', table_name, '\`') AS t FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE 'cdc\\_%'`, [registry]);
  const rows: string[] = [];
  for (const { t } of tables) {
    // Kept on purpose: the column history (version numbers restart after an uninstall and
    // overwrite it) and the sequence counter with its position cleared, so a re-installed table's
    // sequence numbers keep increasing (SPEC: strictly increasing per table).
    if (/schema_versions/.test(t)) continue;
    for (const row of await db.query(`SELECT * FROM ${db.q(registry)}.${t}`)) {
      if (/checkpoints/.test(t) && row.position === null && row.mode === null) continue;
      const text = JSON.stringify(row);
      // The table by its qualified name, or by its bare name in a name column.
      if (text.includes(`.${table}"`) || text.includes(`"${table}"`)) rows.push(`row ${registry}.${t}: ${text.slice(0, 200)}`);
    }
  }
  return [...named, ...rows];
}

export function sqlTarget(db: TestDatabase, extra: Partial<ModeTarget> & Pick<ModeTarget, 'install'>): ModeTarget {
  const registry = db.dialect === 'postgres' ? 'cdc' : stateDatabaseName(db.name);
  return {
    table: db.qualified(HOT_TABLE),
    args: ['--source', db.url],
    bulkInsert: (n) => bulkSql(db, n),
    workload: (stop) => runWorkload(db, WORKLOAD, stop),
    async rows() {
      const rows = await db.query(`SELECT id, v, tok FROM ${HOT_TABLE}`);
      return new Map(rows.map((r) => [Number(r.id), { id: Number(r.id), v: Number(r.v), tok: String(r.tok) }]));
    },
    image: sqlImage,
    key: (value) => Number(value.primary_key.id),
    uninstall: () => runCli(['uninstall-triggers', '--source', db.url, '--table', HOT_TABLE]),
    leftovers: () => sqlLeftovers(db, registry, HOT_TABLE),
    drop: () => db.drop(),
    ...extra,
  };
}

/**
 * Runs `cdc run` until it logs that it completed a requested switch (`pattern`). Its log, not the
 * registry, marks the end: the registry names the new mode while the switch is still under way.
 */
export async function switchInRun(runArgs: string[], pattern: RegExp, timeoutMs = 90_000): Promise<void> {
  await withCdcRun(runArgs, async (run) => {
    for (const until = Date.now() + timeoutMs; !pattern.test(run.stderr); ) {
      if (Date.now() > until) throw new Error(`cdc run did not log ${pattern} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

export const cli = async (args: string[]) => {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`cdc ${args[0]} failed (${r.code}): ${r.stderr}`);
  return r;
};

