import type { TestDatabase } from './dialects.js';

/**
 * A concurrent write load whose every committed change is known, for the verifiers of the
 * concurrency, restart and fault tests.
 *
 * Each transaction first bumps a per-key counter row (`ctr`), which serialises all transactions on
 * that key exactly like the row lock does, so the counter value `v` is the key's commit order. Every
 * write stamps the row with `v` and a unique token `tok`; rolled-back attempts use tokens that are
 * never recorded, so "no rolled-back change appears" is checkable. A DELETE first stamps the row
 * (an UPDATE) so the deleted image carries its `v` too.
 */
export interface CommittedChange {
  key: number;
  v: number;
  op: 'INSERT' | 'UPDATE' | 'DELETE';
  tok: string;
}

export interface WorkloadOptions {
  writers: number;
  keys: number;
  durationMs: number;
  /** Upper bound of the random pause inside each transaction (make it longer than the poll interval). */
  maxSleepMs: number;
  rollbackRatio: number;
  /** Prefix for the tokens, so tokens stay unique across several runs on one database (fault harness). */
  tokenPrefix?: string;
  /**
   * Keep writing through lost connections (a database restart in the fault harness). A transaction
   * that fails that way may or may not have committed (its COMMIT may have been cut off), so its
   * changes go to `onUncertain` instead of the record; `verify` then accepts them if delivered.
   */
  onUncertain?: (changes: CommittedChange[]) => void;
}

export const HOT_TABLE = 'hot';

export async function createHotTables(db: TestDatabase): Promise<void> {
  const text = db.dialect === 'postgres' ? 'text' : 'varchar(64)';
  await db.exec(`CREATE TABLE ${HOT_TABLE} (id int PRIMARY KEY, v int NOT NULL, tok ${text} NOT NULL, pad ${text})`);
  await db.exec(`CREATE TABLE ctr (k int PRIMARY KEY, v int NOT NULL)`);
}

export async function runWorkload(db: TestDatabase, o: WorkloadOptions, stop?: AbortSignal): Promise<CommittedChange[]> {
  const { p } = db;
  const committed: CommittedChange[] = [];
  for (let k = 1; k <= o.keys; k++) {
    const exists = await db.query(`SELECT k FROM ctr WHERE k = ${p(1)}`, [k]);
    if (exists.length === 0) await db.exec(`INSERT INTO ctr (k, v) VALUES (${p(1)}, 0)`, [k]);
  }
  const until = Date.now() + o.durationMs;
  let attempt = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const rnd = (n: number) => Math.floor(Math.random() * n);

  async function oneTransaction(writer: number): Promise<void> {
    const multi = Math.random() < 0.2;
    const keys = multi ? [...new Set([1 + rnd(o.keys), 1 + rnd(o.keys)])].sort((a, b) => a - b) : [1 + rnd(o.keys)];
    const rollback = Math.random() < o.rollbackRatio;
    const pending: CommittedChange[] = [];
    const tok = `${o.tokenPrefix ?? ''}w${writer}-${attempt++}`;
    try {
      const ok = await db.transaction(async (exec) => {
        const versions = new Map<number, number>();
        for (const k of keys) {
          await exec(`UPDATE ctr SET v = v + 1 WHERE k = ${p(1)}`, [k]);
          const [row] = await exec(`SELECT v FROM ctr WHERE k = ${p(1)}`, [k]);
          versions.set(k, Number(row.v));
        }
        await sleep(rnd(o.maxSleepMs));
        const present = new Set(
          (await exec(`SELECT id FROM ${HOT_TABLE} WHERE id IN (${keys.map((_, i) => p(i + 1)).join(',')}) FOR UPDATE`, keys)).map((r: any) =>
            Number(r.id),
          ),
        );
        if (multi && keys.every((k) => present.has(k))) {
          // One statement changing several rows.
          const cases = keys.map((_, i) => `WHEN ${p(i * 2 + 1)} THEN (${p(i * 2 + 2)} + 0)`).join(' ');
          const params = keys.flatMap((k) => [k, versions.get(k)!]);
          const n = params.length;
          await exec(
            `UPDATE ${HOT_TABLE} SET v = CASE id ${cases} END, tok = ${p(n + 1)} WHERE id IN (${keys.map((_, i) => p(n + 2 + i)).join(',')})`,
            [...params, tok, ...keys],
          );
          for (const k of keys) pending.push({ key: k, v: versions.get(k)!, op: 'UPDATE', tok });
        } else if (multi && keys.every((k) => !present.has(k))) {
          const values = keys.map((_, i) => `(${p(i * 3 + 1)}, ${p(i * 3 + 2)}, ${p(i * 3 + 3)})`).join(', ');
          await exec(`INSERT INTO ${HOT_TABLE} (id, v, tok) VALUES ${values}`, keys.flatMap((k) => [k, versions.get(k)!, tok]));
          for (const k of keys) pending.push({ key: k, v: versions.get(k)!, op: 'INSERT', tok });
        } else {
          for (const k of keys) {
            const v = versions.get(k)!;
            if (!present.has(k)) {
              await exec(`INSERT INTO ${HOT_TABLE} (id, v, tok) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [k, v, tok]);
              pending.push({ key: k, v, op: 'INSERT', tok });
            } else if (Math.random() < 0.2) {
              await exec(`UPDATE ${HOT_TABLE} SET v = ${p(1)}, tok = ${p(2)} WHERE id = ${p(3)}`, [v, tok, k]);
              await exec(`DELETE FROM ${HOT_TABLE} WHERE id = ${p(1)}`, [k]);
              pending.push({ key: k, v, op: 'UPDATE', tok }, { key: k, v, op: 'DELETE', tok });
            } else {
              await exec(`UPDATE ${HOT_TABLE} SET v = ${p(1)}, tok = ${p(2)}, pad = ${p(3)} WHERE id = ${p(4)}`, [v, tok, 'x'.repeat(rnd(40)), k]);
              pending.push({ key: k, v, op: 'UPDATE', tok });
            }
          }
        }
        return rollback ? 'rollback' : 'commit';
      });
      if (ok) committed.push(...pending);
    } catch (err) {
      // Deadlocks and serialisation failures roll the transaction back: nothing was committed.
      const code = (err as { code?: string }).code;
      if (['40P01', '40001', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT'].includes(code ?? '')) return;
      if (!o.onUncertain) throw err;
      o.onUncertain(pending.map((c) => ({ ...c })));
      await sleep(100 + rnd(200));
    }
  }

  await Promise.all(
    Array.from({ length: o.writers }, async (_, w) => {
      while (Date.now() < until && !stop?.aborted) await oneTransaction(w);
    }),
  );
  return committed;
}

/** What an event says about the workload row: key, v, op, tok. */
export function observed(value: any): CommittedChange {
  const image = value.operation === 'DELETE' ? value.before_data : value.after_data;
  return { key: Number(image.id), v: Number(image.v), op: value.operation, tok: String(image.tok) };
}

/**
 * Compares the committed changes with the delivered events (in partition order). Duplicates are
 * allowed only when `allowDuplicates` (after a crash) and then must repeat an earlier event_id.
 * Returns the number of redelivered events.
 */
export function verify(committed: CommittedChange[], events: { value: any }[], allowDuplicates: boolean, uncertain?: CommittedChange[]): number {
  const errors: string[] = [];
  const byId = new Map<string, string>();
  let redelivered = 0;
  const perKey = new Map<number, CommittedChange[]>();
  const seen = new Set<string>();
  for (const e of events) {
    const c = observed(e.value);
    const id = `${c.key}/${c.v}/${c.op}/${c.tok}`;
    if (seen.has(id)) {
      redelivered++;
      if (!allowDuplicates) errors.push(`duplicate ${id}`);
      if (byId.get(id) !== e.value.event_id) errors.push(`redelivered ${id} with a different event_id`);
      continue;
    }
    seen.add(id);
    byId.set(id, e.value.event_id);
    const list = perKey.get(c.key) ?? [];
    list.push(c);
    perKey.set(c.key, list);
  }
  const expected = new Map<number, CommittedChange[]>();
  // A transaction of unknown outcome committed exactly when its changes were delivered (rolled-back
  // changes never are); one that committed but was lost shows as a gap in its keys' versions.
  const accepted = (uncertain ?? []).filter((c) => seen.has(`${c.key}/${c.v}/${c.op}/${c.tok}`));
  for (const c of [...committed, ...accepted]) expected.set(c.key, [...(expected.get(c.key) ?? []), c]);
  const rank = { INSERT: 0, UPDATE: 0, DELETE: 1 };
  for (const list of expected.values()) list.sort((a, b) => a.v - b.v || rank[a.op] - rank[b.op]);
  const committedToks = new Set([...committed, ...accepted].map((c) => c.tok));
  if (uncertain) {
    // Every committed transaction bumps its keys' counter by one: versions have no holes.
    for (const [key, list] of expected) {
      const versions = [...new Set(list.map((c) => c.v))].sort((a, b) => a - b);
      const holes = versions.filter((v, i) => v !== (versions[0] ?? 1) + i);
      if (versions[0] !== 1 || holes.length) errors.push(`key ${key}: versions ${versions.join(',')} have a hole: a committed change of unknown outcome was lost`);
    }
  }
  for (const [key, got] of perKey) {
    for (const c of got) if (!committedToks.has(c.tok)) errors.push(`key ${key}: rolled-back change ${c.tok} was delivered`);
  }
  for (const [key, want] of expected) {
    const got = perKey.get(key) ?? [];
    const fmt = (l: CommittedChange[]) => l.map((c) => `${c.op[0]}${c.v}:${c.tok}`).join(' ');
    if (fmt(got) !== fmt(want)) errors.push(`key ${key}: expected ${fmt(want)}\n            got      ${fmt(got)}`);
  }
  if (errors.length) throw new Error(`workload verification failed (${errors.length} problems):\n${errors.slice(0, 15).join('\n')}`);
  return redelivered;
}
