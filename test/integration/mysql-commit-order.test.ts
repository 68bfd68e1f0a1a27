import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { ChangeBatch, ChangeSource } from '../../src/core/change-source.js';
import { openMysql, type MysqlSourceDatabase } from '../../adapters/mysql/index.js';
import { createTestDatabase, recordingLogger, type MysqlTestDatabase } from '../helpers/mysql.js';

/**
 * The commit-order gap, at the source level: ids are taken at write time, so slow transactions
 * commit rows below ids the reader has already passed. Sixteen writers hammer four hot rows (and
 * insert/delete fresh ones) with pauses inside their transactions far longer than the reader's
 * poll interval, roll some back, use multi-row statements; meanwhile a reader drains with a window
 * of unacknowledged batches and is "crashed" once. Every committed change must come out exactly
 * once per changeId, nothing rolled back may come out, and each row's changes in commit order.
 */

const WRITERS = 16;
const HOT_KEYS = [1, 2, 3, 4];
const WRITE_MS = 8_000;
const MAX_SLEEP_MS = 150;
const POLL_MS = 10;

interface Committed {
  key: number;
  v: number;
  op: 'INSERT' | 'UPDATE' | 'DELETE';
  tok: string;
}

let db: MysqlTestDatabase;
let cdc: MysqlSourceDatabase;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rnd = (n: number) => Math.floor(Math.random() * n);

before(async () => {
  db = await createTestDatabase();
  cdc = await openMysql(db.url, { ackWaitMs: 100 });
  await db.exec('CREATE TABLE hot (id INT PRIMARY KEY, v INT NOT NULL, tok VARCHAR(64) NOT NULL, pad VARCHAR(200))');
  await cdc.install({ schema: db.name, name: 'hot' }, {});
});

after(async () => {
  await cdc?.close();
  await db?.drop();
});

async function writer(w: number, until: number, committed: Committed[], fresh: { next: number; live: number[] }): Promise<number> {
  const conn = await db.connection();
  let rolledBack = 0;
  try {
    for (let n = 0; Date.now() < until; n++) {
      const tok = `w${w}-${n}`;
      const pending: Committed[] = [];
      const pick = Math.random();
      try {
        await conn.query('BEGIN');
        if (pick < 0.55) {
          const key = HOT_KEYS[rnd(HOT_KEYS.length)]!;
          await conn.query('UPDATE hot SET v = v + 1, tok = ?, pad = REPEAT(?, 50) WHERE id = ?', [tok, String(w % 10), key]);
          const [rows] = await conn.query('SELECT v FROM hot WHERE id = ?', [key]);
          pending.push({ key, v: (rows as Array<{ v: number }>)[0]!.v, op: 'UPDATE', tok });
        } else if (pick < 0.75) {
          // One multi-row statement over several hot rows (locked in key order: no deadlocks).
          const keys = [...new Set([HOT_KEYS[rnd(4)]!, HOT_KEYS[rnd(4)]!, HOT_KEYS[rnd(4)]!])].sort();
          await conn.query('UPDATE hot SET v = v + 1, tok = ? WHERE id IN (?) ORDER BY id', [tok, keys]);
          const [rows] = await conn.query('SELECT id, v FROM hot WHERE id IN (?) ORDER BY id', [keys]);
          for (const r of rows as Array<{ id: number; v: number }>) pending.push({ key: r.id, v: r.v, op: 'UPDATE', tok });
        } else if (pick < 0.9 || fresh.live.length === 0) {
          const keys = [fresh.next++, fresh.next++];
          await conn.query('INSERT INTO hot (id, v, tok) VALUES (?, 1, ?), (?, 1, ?)', [keys[0], tok, keys[1], tok]);
          for (const key of keys) pending.push({ key, v: 1, op: 'INSERT', tok });
        } else {
          const key = fresh.live.splice(rnd(fresh.live.length), 1)[0]!;
          // Stamp, then delete, so the deleted image carries the row's last version.
          await conn.query('UPDATE hot SET v = v + 1, tok = ? WHERE id = ?', [tok, key]);
          const [rows] = await conn.query('SELECT v FROM hot WHERE id = ?', [key]);
          const v = (rows as Array<{ v: number }>)[0]!.v;
          await conn.query('DELETE FROM hot WHERE id = ?', [key]);
          pending.push({ key, v, op: 'UPDATE', tok }, { key, v, op: 'DELETE', tok });
        }
        await sleep(rnd(MAX_SLEEP_MS));
        if (Math.random() < 0.15) {
          await conn.query('ROLLBACK');
          rolledBack++;
          for (const p of pending) if (p.op === 'DELETE') fresh.live.push(p.key);
          continue;
        }
        await conn.query('COMMIT');
        committed.push(...pending);
        for (const p of pending) if (p.op === 'INSERT') fresh.live.push(p.key);
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        if (!/deadlock|lock wait/i.test(String(err))) throw err;
      }
    }
  } finally {
    await conn.end();
  }
  return rolledBack;
}

test('every committed change exactly once, nothing rolled back, per-row commit order', { timeout: 60_000 }, async (t) => {
  const table = { schema: db.name, name: 'hot' };
  const committed: Committed[] = [];
  for (const key of HOT_KEYS) {
    await db.exec('INSERT INTO hot (id, v, tok) VALUES (?, 1, ?)', [key, `init-${key}`]);
    committed.push({ key, v: 1, op: 'INSERT', tok: `init-${key}` });
  }
  const fresh = { next: 1000, live: [] as number[] };
  const until = Date.now() + WRITE_MS;
  let writing = true;
  const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w, until, committed, fresh))).finally(() => (writing = false));

  const emitted: CapturedChange[] = [];
  const redeliverable = new Set<string>();
  let source: ChangeSource = cdc.openSource(table, { logger: recordingLogger() });
  await source.open();
  let crashed = false;
  let inflight: ChangeBatch[] = [];
  let quiet = 0;
  while (writing || quiet < 3) {
    const batch = await source.read(1 + rnd(40));
    if (batch.changes.length > 0) {
      emitted.push(...batch.changes);
      inflight.push(batch);
      quiet = 0;
    } else {
      quiet = writing ? 0 : quiet + 1;
    }
    if (!crashed && Date.now() > until - WRITE_MS / 2 && inflight.length > 0) {
      // Crash with batches unacknowledged: they must come back, with the same changeIds.
      crashed = true;
      for (const b of inflight) for (const c of b.changes) redeliverable.add(c.changeId);
      inflight = [];
      await source.close();
      source = cdc.openSource(table, { logger: recordingLogger() });
      await source.open();
      continue;
    }
    // Acknowledge like the pipeline: in order, a few batches behind the reads.
    if (inflight.length >= 3 || batch.changes.length === 0) {
      for (const b of inflight) await source.ack(b.ack);
      inflight = [];
    }
    if (batch.changes.length === 0) await sleep(POLL_MS);
  }
  const rolledBack = (await writers).reduce((a, b) => a + b, 0);
  await source.close();

  t.diagnostic(`committed ${committed.length}, rolled back ${rolledBack}, emitted ${emitted.length} (redeliverable ${redeliverable.size})`);
  assert.ok(crashed, 'the reader crashed once');
  assert.ok(rolledBack > 5, `rollbacks happened (${rolledBack})`);
  assert.ok(committed.length > 100, `enough committed changes (${committed.length})`);

  // Exactly once per changeId; duplicates only for what was unacknowledged at the crash.
  const seen = new Map<string, CapturedChange>();
  const unique: CapturedChange[] = [];
  for (const c of emitted) {
    const prior = seen.get(c.changeId);
    if (prior) {
      assert.ok(redeliverable.has(c.changeId), `unexpected duplicate ${c.changeId}`);
      assert.deepEqual(c, prior);
      continue;
    }
    seen.set(c.changeId, c);
    unique.push(c);
  }

  const byKey = (list: Committed[]) => {
    const m = new Map<number, string[]>();
    for (const c of list) m.set(c.key, [...(m.get(c.key) ?? []), `${c.op}:${c.v}:${c.tok}`]);
    return m;
  };
  const expected = byKey(
    [...committed].sort((a, b) => a.key - b.key || a.v - b.v || (a.op === 'DELETE' ? 1 : 0) - (b.op === 'DELETE' ? 1 : 0)),
  );
  const actual = byKey(
    unique.map((c) => {
      const img = (c.after ?? c.before)! as { id: number; v: number; tok: string };
      return { key: img.id, v: img.v, op: c.operation as Committed['op'], tok: img.tok };
    }),
  );
  assert.equal(unique.length, committed.length);
  assert.deepEqual([...actual.keys()].sort((a, b) => a - b), [...expected.keys()].sort((a, b) => a - b));
  for (const [key, changes] of expected) assert.deepEqual(actual.get(key), changes, `row ${key} in commit order`);
});
