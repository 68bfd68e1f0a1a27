import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';
import { runCli } from '../helpers/cli.js';
import { openSourceDatabase } from '../../src/sources/open-source-database.js';
import { createLogger } from '../../src/logging.js';
import { OwnershipLostError } from '../../src/core/errors.js';
import type { ChangeBatch, ChangeSource } from '../../src/core/change-source.js';
import type { SourceDatabase } from '../../src/core/source-database.js';

/**
 * Issue 13 item 2 on MongoDB, which has no session lock: a paused owner that wakes after another
 * process took the collection must not move the checkpoint, and must stop reading. The fence is
 * the owner generation in cdc_checkpoints (docs/workers.md), checked and set in the ack's update.
 */
let m: MongoTestDatabase;
let sdb: SourceDatabase;
before(async () => {
  m = await createMongoTestDatabase();
  await m.db.createCollection('items');
  const r = await runCli(['register', '--source', m.url, '--table', 'items']);
  assert.equal(r.code, 0, r.stderr);
  sdb = await openSourceDatabase(m.url);
});
after(async () => {
  await sdb?.close();
  await m?.drop();
});

async function readSome(s: ChangeSource): Promise<ChangeBatch> {
  for (let i = 0; i < 100; i++) {
    const b = await s.read(100);
    if (b.changes.length > 0) return b;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no change arrived');
}

test('a stale owner is refused at ack time and stops; the new owner delivers and checkpoints', async () => {
  const table = { schema: m.name, name: 'items' };
  const logger = createLogger('silent');
  const stale = sdb.openSource(table, { logger });
  await stale.open();
  await m.db.collection('items').insertOne({ _id: 1 as any, v: 'a' });
  const batch = await readSome(stale);

  // Another process takes the collection over while `stale` is paused with an unacknowledged batch.
  const owner = sdb.openSource(table, { logger });
  await owner.open();
  await assert.rejects(stale.ack(batch.ack), OwnershipLostError);
  await assert.rejects(stale.read(100), OwnershipLostError);
  const checkpoints = m.db.collection<any>('cdc_checkpoints');
  assert.equal((await checkpoints.findOne({ _id: `${m.name}.items` }))?.position, undefined, 'the stale ack moved the checkpoint');

  // The new owner resumes from the last checkpoint, so the same change comes again (same id).
  const again = await readSome(owner);
  assert.deepEqual(
    again.changes.map((c) => c.changeId),
    batch.changes.map((c) => c.changeId),
  );
  await owner.ack(again.ack);
  assert.equal(typeof (await checkpoints.findOne({ _id: `${m.name}.items` }))?.position, 'string');
  await stale.close();
  await owner.close();
});
