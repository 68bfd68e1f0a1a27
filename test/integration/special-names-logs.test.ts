import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { ChangeSource } from '../../src/core/change-source.js';
import { openMysql, type MysqlSourceDatabase } from '../../adapters/mysql/index.js';
import { openPostgres } from '../../adapters/postgres/index.js';
import type { SourceDatabase } from '../../src/core/source-database.js';
import * as my from '../helpers/mysql.js';
import * as pgt from '../helpers/postgres.js';
import { dropSlotsOf } from '../helpers/postgres-wal.js';

/**
 * Issue 11 item 1 through the log-based modes: a key column named "__proto__" gave
 * `primary_key: {}` (zongji and our own key building assigned it as the prototype). A table
 * keyed by "__proto__" with a "constructor" column, captured from the MariaDB binlog and the
 * PostgreSQL WAL, must give complete keys and images.
 */
async function readUntil(source: ChangeSource, count: number, timeoutMs = 20_000): Promise<CapturedChange[]> {
  const out: CapturedChange[] = [];
  for (const deadline = Date.now() + timeoutMs; out.length < count && Date.now() < deadline; ) {
    const batch = await source.read(100);
    if (batch.changes.length === 0) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    out.push(...batch.changes);
    await source.ack(batch.ack);
  }
  return out;
}

function checkChanges(changes: CapturedChange[]): void {
  assert.deepEqual(changes.map((c) => c.operation), ['INSERT', 'UPDATE', 'DELETE']);
  for (const c of changes) assert.equal(JSON.stringify(c.primaryKey), '{"__proto__":7}');
  assert.deepEqual(JSON.parse(JSON.stringify(changes[0]!.after)), JSON.parse('{"__proto__": 7, "constructor": "a"}'));
  assert.deepEqual(JSON.parse(JSON.stringify(changes[1]!.after)), JSON.parse('{"__proto__": 7, "constructor": "b"}'));
  assert.deepEqual(JSON.parse(JSON.stringify(changes[2]!.before)), JSON.parse('{"__proto__": 7, "constructor": "b"}'));
}

describe('JavaScript-special column names through the binlog (mysql)', () => {
  let db: my.MysqlTestDatabase;
  let cdc: MysqlSourceDatabase;
  before(async () => {
    db = await my.createTestDatabase();
    cdc = await openMysql(db.url, { ackWaitMs: 100 });
  });
  after(async () => {
    await cdc?.close();
    await db?.drop();
  });

  test('keys and images stay complete', async () => {
    const ref = { schema: db.name, name: 'odd' };
    await db.exec('CREATE TABLE odd (`__proto__` INT PRIMARY KEY, `constructor` VARCHAR(10))');
    await cdc.install(ref, {});
    assert.equal((await cdc.upgrade(ref, 'binlog')).state, 'done');
    const source = cdc.openSource(ref, { logger: my.recordingLogger() });
    await source.open();
    try {
      assert.equal(source.mode, 'binlog');
      await db.exec("INSERT INTO odd VALUES (7, 'a')");
      await db.exec("UPDATE odd SET `constructor` = 'b' WHERE `__proto__` = 7");
      await db.exec('DELETE FROM odd WHERE `__proto__` = 7');
      checkChanges(await readUntil(source, 3));
    } finally {
      await source.close();
    }
  });
});

describe('JavaScript-special column names through the WAL (postgres)', () => {
  let tdb: pgt.TestDatabase;
  let db: SourceDatabase;
  before(async () => {
    tdb = await pgt.createTestDatabase();
    db = await openPostgres(tdb.url);
  });
  after(async () => {
    await db?.close();
    if (tdb) await dropSlotsOf(tdb.name);
    await tdb?.drop();
  });

  test('keys and images stay complete', async () => {
    const admin = await tdb.client();
    await admin.query('CREATE TABLE odd ("__proto__" int PRIMARY KEY, "constructor" text); ALTER TABLE odd REPLICA IDENTITY FULL');
    const ref = { schema: 'public', name: 'odd' };
    await db.install(ref, {});
    await db.upgrade!(ref, 'wal');
    const source = db.openSource(ref, { logger: pgt.testLogger() });
    await source.open();
    try {
      await source.read(10); // performs the pending switch
      assert.equal(source.mode, 'wal');
      await admin.query(`INSERT INTO odd VALUES (7, 'a')`);
      await admin.query(`UPDATE odd SET "constructor" = 'b' WHERE "__proto__" = 7`);
      await admin.query(`DELETE FROM odd WHERE "__proto__" = 7`);
      checkChanges(await readUntil(source, 3));
    } finally {
      await source.close();
    }
  });
});

describe('a too-deep jsonb value through the WAL (postgres)', () => {
  let tdb: pgt.TestDatabase;
  let db: SourceDatabase;
  before(async () => {
    tdb = await pgt.createTestDatabase();
    db = await openPostgres(tdb.url);
  });
  after(async () => {
    await db?.close();
    if (tdb) await dropSlotsOf(tdb.name);
    await tdb?.drop();
  });

  test('fails its change alone, naming the column; the change behind it is delivered', async () => {
    const admin = await tdb.client();
    await admin.query('CREATE TABLE docs (id int PRIMARY KEY, doc jsonb); ALTER TABLE docs REPLICA IDENTITY FULL');
    const ref = { schema: 'public', name: 'docs' };
    await db.install(ref, {});
    await db.upgrade!(ref, 'wal');
    const source = db.openSource(ref, { logger: pgt.testLogger() });
    await source.open();
    try {
      await source.read(10);
      assert.equal(source.mode, 'wal');
      await admin.query('INSERT INTO docs VALUES (1, $1)', ['['.repeat(3000) + ']'.repeat(3000)]);
      await admin.query(`INSERT INTO docs VALUES (2, '{"a": 1}')`);
      const [deep, shallow] = await readUntil(source, 2);
      assert.match(deep!.failure!, /^WAL change: column "doc": a JSON value nests deeper than cdc decodes/);
      assert.equal(deep!.after, null);
      assert.deepEqual(shallow!.after, { id: 2, doc: { a: 1 } });
    } finally {
      await source.close();
    }
  });
});
