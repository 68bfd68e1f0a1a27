import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { openPglite } from '../../adapters/postgres/index.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import { testLogger } from '../helpers/postgres.js';

/** The embedded demo path: triggers, plpgsql, xid8 snapshots and advisory locks inside PGlite. */
describe('postgres trigger capture on PGlite', () => {
  let pglite: PGlite;
  let db: SourceDatabase;

  before(async () => {
    pglite = new PGlite();
    db = await openPglite(pglite);
  });
  after(async () => {
    await db?.close();
  });

  it('installs, captures, reads and acks', async () => {
    await pglite.exec(`CREATE TABLE items (id bigint PRIMARY KEY, price numeric(10,2), at timestamptz, tags text[])`);
    assert.deepEqual(await db.install({ schema: 'public', name: 'items' }, {}), { table: 'public.items', changed: true, keyColumns: ['id'] });
    assert.equal((await db.install({ schema: 'public', name: 'items' }, {})).changed, false);
    await pglite.exec(`
      SET TimeZone = 'Europe/Berlin';
      INSERT INTO items VALUES (9007199254740993, 12.50, '2024-05-01 12:00:00.123456+02', '{a,NULL}');
      UPDATE items SET price = 13.00;
      DELETE FROM items;`);

    const src = db.openSource({ schema: 'public', name: 'items' }, { logger: testLogger() });
    await src.open();
    await assert.rejects(db.openSource({ schema: 'public', name: 'items' }, { logger: testLogger() }).open(), /already being captured/);
    const batch = await src.read(10);
    assert.deepEqual(
      batch.changes.map((c) => [c.operation, c.primaryKey, c.after?.price ?? c.before?.price]),
      [
        ['INSERT', { id: '9007199254740993' }, '12.50'],
        ['UPDATE', { id: '9007199254740993' }, '13.00'],
        ['DELETE', { id: '9007199254740993' }, '13.00'],
      ],
    );
    assert.deepEqual(batch.changes[0]!.after, { id: '9007199254740993', price: '12.50', at: '2024-05-01T10:00:00.123456Z', tags: ['a', null] });
    await src.ack(batch.ack);
    assert.equal((await src.read(10)).changes.length, 0);
    const [status] = await db.status();
    assert.equal(status!.backlog, 0);
    assert.equal(await db.sequences.reserve('public.items', 3), 1n);
    await src.close();
    assert.equal(await db.uninstall({ schema: 'public', name: 'items' }), true);
  });
});
