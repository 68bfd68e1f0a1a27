import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openPostgres } from '../../adapters/postgres/index.js';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { ChangeBatch } from '../../src/core/change-source.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import { createTestDatabase, sleep, testLogger, type TestDatabase } from '../helpers/postgres.js';

/**
 * SPEC "Commit-order gaps" at the source level: many writers on a few hot rows, holding their
 * transactions open longer than the reader's poll interval (so log ids commit out of order), some
 * rolling back or deadlocking, with multi-row statements; a reader that, like the pipeline, reads
 * ahead of its acks. Every committed change must come out exactly once, no rolled-back one, and
 * each row's changes in commit order (every UPDATE bumps the row's version by one).
 */
const WRITERS = 16;
const HOT_KEYS = [1, 2, 3, 4];
const WRITE_MS = 10_000;

interface Committed {
  /** `${id}:${version}` of every committed UPDATE row change. */
  updates: Set<string>;
  inserts: Set<number>;
  deletes: Set<number>;
  tags: Set<string>;
  rolledBackInserts: Set<number>;
}

describe('postgres trigger capture under concurrent writers', () => {
  let tdb: TestDatabase;
  let db: SourceDatabase;

  before(async () => {
    tdb = await createTestDatabase();
    db = await openPostgres(tdb.url);
    const c = await tdb.client();
    await c.query('CREATE TABLE hot (id int PRIMARY KEY, version int NOT NULL, tag text)');
    await c.query(`INSERT INTO hot SELECT k, 0, 'seed' FROM unnest($1::int[]) AS k`, [HOT_KEYS]);
    await db.install({ schema: 'public', name: 'hot' }, {});
  });
  after(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it('emits every committed change exactly once, no rolled-back change, each row in commit order', async () => {
    const committed: Committed = { updates: new Set(), inserts: new Set(), deletes: new Set(), tags: new Set(), rolledBackInserts: new Set() };
    let nextId = 1000;
    const stats = { commits: 0, rollbacks: 0, deadlocks: 0 };
    const deadline = Date.now() + WRITE_MS;

    const writer = async (w: number) => {
      const c = await tdb.client();
      const mine: number[] = []; // committed inserts of this writer, not yet deleted
      for (let n = 0; Date.now() < deadline; n++) {
        const tag = `w${w}-${n}`;
        const updates: string[] = [];
        let inserts: number[] = [];
        let deletes: number[] = [];
        try {
          await c.query('BEGIN');
          const kind = randomInt(10);
          if (kind < 6) {
            // Multi-row UPDATE of one or two hot keys, sometimes a second statement on the same row.
            const keys = HOT_KEYS.filter(() => randomInt(2) === 0).slice(0, 2);
            if (keys.length === 0) keys.push(HOT_KEYS[randomInt(HOT_KEYS.length)]!);
            const r = await c.query('UPDATE hot SET version = version + 1, tag = $1 WHERE id = ANY($2) RETURNING id, version', [tag, keys]);
            updates.push(...r.rows.map((x) => `${x.id}:${x.version}`));
            await sleep(randomInt(100));
            if (randomInt(3) === 0) {
              const r2 = await c.query('UPDATE hot SET version = version + 1, tag = $1 WHERE id = $2 RETURNING id, version', [tag, keys[0]]);
              updates.push(...r2.rows.map((x) => `${x.id}:${x.version}`));
            }
          } else if (kind < 9 || mine.length === 0) {
            inserts = Array.from({ length: 1 + randomInt(5) }, () => nextId++);
            await c.query(`INSERT INTO hot SELECT unnest($1::int[]), 0, $2`, [inserts, tag]);
          } else {
            deletes = mine.splice(0, 1 + randomInt(Math.min(3, mine.length)));
            await c.query('DELETE FROM hot WHERE id = ANY($1)', [deletes]);
          }
          await sleep(randomInt(100));
          if (randomInt(100) < 15) throw new Error('rollback');
          await c.query('COMMIT');
          stats.commits++;
          committed.tags.add(tag);
          for (const u of updates) committed.updates.add(u);
          for (const i of inserts) committed.inserts.add(i);
          for (const d of deletes) committed.deletes.add(d);
          mine.push(...inserts);
        } catch (err) {
          await c.query('ROLLBACK');
          if ((err as { code?: string }).code === '40P01') stats.deadlocks++;
          else if ((err as Error).message !== 'rollback') throw err;
          else stats.rollbacks++;
          for (const i of inserts) committed.rolledBackInserts.add(i);
          mine.push(...deletes); // still there
        }
      }
      await c.end();
    };

    const src = db.openSource({ schema: 'public', name: 'hot' }, { logger: testLogger() });
    await src.open();
    const emitted: CapturedChange[] = [];
    const unacked: ChangeBatch[] = [];
    let writing = true;
    // The pipeline's shape: read ahead of acks (up to 3 batches in flight), acks in read order.
    const reader = (async () => {
      let emptyInARow = 0;
      while (writing || emptyInARow < 2 || unacked.length > 0) {
        const b = await src.read(1 + randomInt(40));
        if (b.changes.length > 0) {
          emitted.push(...b.changes);
          unacked.push(b);
          emptyInARow = 0;
        } else {
          if (!writing) emptyInARow++;
          await sleep(10);
        }
        while (unacked.length > (b.changes.length === 0 ? 0 : randomInt(4))) await src.ack(unacked.shift()!.ack);
      }
    })();

    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await reader;
    await src.close();

    // Exactly once.
    assert.equal(new Set(emitted.map((e) => e.changeId)).size, emitted.length, 'no change emitted twice');
    // Nothing rolled back.
    for (const e of emitted) {
      const tag = (e.after ?? e.before)!.tag as string;
      if (e.operation !== 'DELETE') assert.ok(committed.tags.has(tag), `emitted a change of uncommitted transaction ${tag}`);
    }
    // Every committed change, per row in commit order.
    const updates = emitted.filter((e) => e.operation === 'UPDATE' && HOT_KEYS.includes(e.after!.id as number));
    assert.deepEqual(new Set(updates.map((e) => `${e.after!.id}:${e.after!.version}`)), committed.updates);
    for (const k of HOT_KEYS) {
      const versions = updates.filter((e) => e.after!.id === k).map((e) => e.after!.version);
      assert.deepEqual(versions, versions.map((_, i) => i + 1), `row ${k} in commit order`);
      for (const e of updates.filter((x) => x.after!.id === k)) assert.equal(e.before!.version, (e.after!.version as number) - 1);
    }
    const inserted = emitted.filter((e) => e.operation === 'INSERT').map((e) => e.after!.id as number);
    assert.deepEqual(new Set(inserted), committed.inserts);
    assert.ok(inserted.every((id) => !committed.rolledBackInserts.has(id)));
    const deleted = emitted.filter((e) => e.operation === 'DELETE').map((e) => e.before!.id as number);
    assert.deepEqual(new Set(deleted), committed.deletes);
    for (const id of deleted) {
      const pos = (op: string) => emitted.findIndex((e) => e.operation === op && (e.after ?? e.before)!.id === id);
      assert.ok(pos('INSERT') < pos('DELETE'), `row ${id}: insert before delete`);
    }
    assert.equal(emitted.length, committed.updates.size + committed.inserts.size + committed.deletes.size);
    assert.equal((await db.status())[0]!.backlog, 0);
    assert.ok(stats.commits > 80 && stats.rollbacks > 5, JSON.stringify(stats));
    // Out-of-order commits really happened: some change came out after one with a higher log id.
    const ids = emitted.map((e) => Number(e.sourceExtra!.log_id));
    assert.ok(ids.some((id, i) => i > 0 && id < ids[i - 1]!), 'the workload produced commit-order gaps');
  });
});
