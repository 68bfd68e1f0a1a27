import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { ChangeSource } from '../../src/core/change-source.js';
import { UserInputError } from '../../src/core/errors.js';
import { openMysql, type MysqlSourceDatabase } from '../../adapters/mysql/index.js';
import { TableBusyError } from '../../adapters/mysql/errors.js';
import { createTestDatabase, recordingLogger, type MysqlTestDatabase } from '../helpers/mysql.js';

let db: MysqlTestDatabase;
let cdc: MysqlSourceDatabase;
const logger = recordingLogger();
const ref = (name: string) => ({ schema: db.name, name });
const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads and acknowledges until the source has nothing ready. */
async function drain(source: ChangeSource, max = 1000): Promise<CapturedChange[]> {
  const out: CapturedChange[] = [];
  for (;;) {
    const batch = await source.read(max);
    if (batch.changes.length === 0) return out;
    out.push(...batch.changes);
    await source.ack(batch.ack);
  }
}

async function opened(name: string): Promise<ChangeSource> {
  const s = cdc.openSource(ref(name), { logger });
  await s.open();
  return s;
}

async function logRows(name: string): Promise<string[]> {
  const [reg] = await db.query<{ log_table: string }>(`SELECT log_table FROM ${db.state}.cdc_captured_tables WHERE table_name = ?`, [`${db.name}.${name}`]);
  const rows = await db.query<{ id: string }>(`SELECT id FROM ${db.state}.${q(reg!.log_table)} ORDER BY id`);
  return rows.map((r) => String(r.id));
}

before(async () => {
  db = await createTestDatabase();
  cdc = await openMysql(db.url, { ackWaitMs: 200 });
});

after(async () => {
  await cdc?.close();
  await db?.drop();
});

describe('connecting', () => {
  test('wrong credentials, a missing database or an unreachable server: one line, no password', async () => {
    const u = new URL(db.url);
    const cases: [string, RegExp, string][] = [
      [`mysql://nobody_cdc:s3cr3t-pw@${u.host}/${db.name}`, /access denied for user 'nobody_cdc'/, 'UserInputError'],
      [`mysql://root:s3cr3t-pw@${u.host}/no_such_db_cdc`, /./, 'UserInputError'],
      ['mysql://root:s3cr3t-pw@127.0.0.1:1/x', /cannot reach MySQL at 127\.0\.0\.1:1/, 'TransientError'],
    ];
    for (const [url, message, name] of cases) {
      await assert.rejects(openMysql(url), (err: Error) => {
        assert.equal(err.name, name, err.message);
        assert.match(err.message, message);
        assert.ok(!err.message.includes('s3cr3t') && !err.message.includes('\n'), err.message);
        return true;
      });
    }
  });
});

describe('install / uninstall', () => {
  test('install is idempotent and uninstall leaves only the user table and its data', async () => {
    await db.exec('CREATE TABLE plain (id INT PRIMARY KEY, v VARCHAR(20))');
    await db.exec("INSERT INTO plain VALUES (1, 'kept')");
    const first = await cdc.install(ref('plain'), {});
    assert.deepEqual(first, { table: `${db.name}.plain`, changed: true, keyColumns: ['id'] });
    const objects = await db.objects();
    assert.equal(objects.filter((o) => /^trigger:cdc_a[iud]_plain_/.test(o)).length, 3);
    assert.equal((await cdc.install(ref('plain'), {})).changed, false);
    assert.deepEqual(await db.objects(), objects);
    assert.deepEqual((await cdc.listCaptured()).map((t) => t.qualifiedName), [`${db.name}.plain`]);

    assert.equal(await cdc.uninstall(ref('plain')), true);
    // cdc's own state tables (one per migration) stay; nothing of the table's capture does.
    assert.deepEqual((await db.objects()).filter((o) => !/^(table:cdc_(?!log_)|database:cdc$)/.test(o)), ['table:plain']);
    assert.ok((await db.objects()).includes('table:cdc_checkpoints'), 'sequence reservations are kept');
    assert.deepEqual(await db.query('SELECT id, v FROM plain'), [{ id: 1, v: 'kept' }]);
    assert.deepEqual(await db.query(`SELECT * FROM ${db.state}.cdc_captured_tables`), []);
    assert.equal(await cdc.uninstall(ref('plain')), false);
  });

  test('bad input is rejected before anything is created', async () => {
    const fresh = await createTestDatabase();
    const other = await openMysql(fresh.url);
    try {
      await fresh.exec('CREATE TABLE keyless (a INT, b VARCHAR(10))');
      await fresh.exec('CREATE VIEW v AS SELECT a FROM keyless');
      const baseline = await fresh.objects();
      const cases: [string, string[] | undefined, RegExp][] = [
        ['nope', undefined, /unknown table .*\.nope/],
        ['keyless', undefined, /no primary key.*--key-columns/],
        ['keyless', ['a', 'zz'], /--key-columns.*no column "zz"/],
        ['keyless', ['a', 'A'], /listed twice/],
        ['v', undefined, /view/],
        ['cdc_checkpoints', undefined, /cdc's own/],
      ];
      for (const [table, keyColumns, message] of cases) {
        await assert.rejects(other.install({ schema: fresh.name, name: table }, { keyColumns }), (err: Error) => err instanceof UserInputError && message.test(err.message), table);
      }
      await assert.rejects(other.install({ schema: 'no_such_db_x', name: 'keyless' }, {}), /unknown table/);
      assert.deepEqual(await fresh.objects(), baseline, 'nothing created, not even cdc state tables');
      assert.equal(await other.uninstall({ schema: fresh.name, name: 'keyless' }), false);
    } finally {
      await other.close();
      await fresh.drop();
    }
  });

  test('--key-columns makes a keyless table capturable, in the table\'s own spelling', async () => {
    await db.exec('CREATE TABLE keyless (Code VARCHAR(10) NOT NULL, v INT)');
    const r = await cdc.install(ref('keyless'), { keyColumns: ['code'] });
    assert.deepEqual(r.keyColumns, ['Code']);
    await db.exec("INSERT INTO keyless VALUES ('x', 1)");
    const s = await opened('keyless');
    const [c] = await drain(s);
    await s.close();
    assert.deepEqual(c!.primaryKey, { Code: 'x' });
  });

  test('re-install after a column change regenerates the triggers and bumps the schema version', async () => {
    for (const canReplaceTrigger of [true, false]) {
      const table = canReplaceTrigger ? 'evolving_maria' : 'evolving_mysql8';
      const instance = await openMysql(db.url, { canReplaceTrigger });
      try {
        await db.exec(`CREATE TABLE ${table} (id INT PRIMARY KEY)`);
        await instance.install(ref(table), {});
        await db.exec(`ALTER TABLE ${table} ADD COLUMN extra VARCHAR(5) DEFAULT 'e'`);
        const [before] = await instance.status().then((all) => all.filter((t) => t.table.endsWith(`.${table}`)));
        assert.match(String(before!.details!.problems), /columns changed/);
        assert.equal((await instance.install(ref(table), {})).changed, true);
        assert.equal((await instance.install(ref(table), {})).changed, false);
        await db.exec(`INSERT INTO ${table} (id) VALUES (1)`);
        const s = instance.openSource(ref(table), { logger });
        await s.open();
        assert.equal(s.schemaVersion(), 2);
        const [c] = await drain(s);
        await s.close();
        assert.deepEqual(c!.after, { id: 1, extra: 'e' });
      } finally {
        await instance.close();
      }
    }
  });
});

describe('reading', () => {
  test('insert, update, delete arrive in order with images, keys and stable ids', async () => {
    await db.exec('CREATE TABLE orders (shop INT, id INT, note VARCHAR(20), PRIMARY KEY (shop, id))');
    await cdc.install(ref('orders'), {});
    await db.exec("INSERT INTO orders VALUES (1, 1, 'a'), (1, 2, 'b')");
    await db.exec("UPDATE orders SET note = 'c' WHERE shop = 1 AND id = 1");
    await db.exec('UPDATE orders SET id = 3 WHERE shop = 1 AND id = 2');
    await db.exec('DELETE FROM orders WHERE id = 1');
    const s = await opened('orders');
    const changes = await drain(s);
    await s.close();
    assert.deepEqual(
      changes.map((c) => [c.operation, c.primaryKey, c.before, c.after]),
      [
        ['INSERT', { shop: 1, id: 1 }, null, { shop: 1, id: 1, note: 'a' }],
        ['INSERT', { shop: 1, id: 2 }, null, { shop: 1, id: 2, note: 'b' }],
        ['UPDATE', { shop: 1, id: 1 }, { shop: 1, id: 1, note: 'a' }, { shop: 1, id: 1, note: 'c' }],
        ['UPDATE', { shop: 1, id: 3 }, { shop: 1, id: 2, note: 'b' }, { shop: 1, id: 3, note: 'b' }],
        ['DELETE', { shop: 1, id: 1 }, { shop: 1, id: 1, note: 'c' }, null],
      ],
    );
    const [reg] = await db.query<{ generation: string }>(`SELECT generation FROM ${db.state}.cdc_captured_tables WHERE relation = ?`, ['orders']);
    changes.forEach((c, i) => {
      assert.equal(c.changeId, `${reg!.generation}:${i + 1}`);
      assert.equal(c.position, String(i + 1));
      assert.deepEqual(c.sourceExtra, { log_id: String(i + 1), trx_id: null });
      assert.match(c.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.ok(Math.abs(Date.parse(c.timestamp) - Date.now()) < 60_000);
    });
  });

  test('a weird table and column names work end to end', async () => {
    const name = 'We`ird; DROP TABLE x; --';
    await db.exec(`CREATE TABLE ${q(name)} (${q('Id "x"')} INT PRIMARY KEY, ${q("it's")} VARCHAR(10), ${q('back\\slash`')} INT)`);
    assert.equal((await cdc.install(ref(name), {})).changed, true);
    assert.equal((await cdc.install(ref(name), {})).changed, false);
    await db.exec(`INSERT INTO ${q(name)} VALUES (1, 'a', 2)`);
    await db.exec(`UPDATE ${q(name)} SET ${q("it's")} = 'b'`);
    await db.exec(`DELETE FROM ${q(name)}`);
    const s = await opened(name);
    const changes = await drain(s);
    await s.close();
    assert.deepEqual(changes.map((c) => c.operation), ['INSERT', 'UPDATE', 'DELETE']);
    assert.deepEqual(changes[1]!.after, { 'Id "x"': 1, "it's": 'b', 'back\\slash`': 2 });
    assert.deepEqual(changes[2]!.primaryKey, { 'Id "x"': 1 });
    assert.equal((await cdc.status()).find((t) => t.table === `${db.name}.${name}`)?.backlog, 0);
    assert.equal(await cdc.uninstall(ref(name)), true);
    assert.ok(!(await db.objects()).some((o) => o.includes('we_ird')));
  });

  test('ack deletes exactly the emitted rows and never waits for open writers', async () => {
    await db.exec('CREATE TABLE gaps (id INT PRIMARY KEY)');
    await cdc.install(ref('gaps'), {});
    const slowLow = await db.connection();
    const slowHigh = await db.connection();
    try {
      await slowLow.query('BEGIN');
      await slowLow.query('INSERT INTO gaps VALUES (1)'); // log id 1, uncommitted
      await db.exec('INSERT INTO gaps VALUES (2), (3)'); // log ids 2, 3
      await slowHigh.query('BEGIN');
      await slowHigh.query('INSERT INTO gaps VALUES (4)'); // log id 4, right after the emitted run
      const s = await opened('gaps');
      const batch = await s.read(100);
      assert.deepEqual(batch.changes.map((c) => c.position), ['2', '3']);
      const started = Date.now();
      await s.ack(batch.ack);
      assert.ok(Date.now() - started < 2000, 'ack must not wait for the open transactions');
      await slowLow.query('COMMIT');
      await slowHigh.query('COMMIT');
      assert.deepEqual(await logRows('gaps'), ['1', '4']);
      const late = await drain(s);
      assert.deepEqual(late.map((c) => [c.position, c.after]), [['1', { id: 1 }], ['4', { id: 4 }]]);
      assert.deepEqual(await logRows('gaps'), []);
      await s.close();
    } finally {
      await slowLow.end();
      await slowHigh.end();
    }
  });

  test('rounds: pages share one snapshot, and a new round waits for outstanding acks', async () => {
    await db.exec('CREATE TABLE paged (id INT PRIMARY KEY)');
    await cdc.install(ref('paged'), {});
    await db.exec('INSERT INTO paged VALUES (1), (2), (3), (4), (5)');
    const s = await opened('paged');
    const b1 = await s.read(2);
    await db.exec('INSERT INTO paged VALUES (6)'); // committed after the round's snapshot
    const b2 = await s.read(2);
    const b3 = await s.read(2);
    assert.deepEqual([b1, b2, b3].map((b) => b.changes.map((c) => c.after!.id)), [[1, 2], [3, 4], [5]]);
    const waited = Date.now();
    assert.equal((await s.read(2)).changes.length, 0, 'unacked batches block the next round');
    assert.ok(Date.now() - waited >= 150);
    for (const b of [b1, b2]) await s.ack(b.ack);
    const pending = s.read(2);
    await sleep(20);
    await s.ack(b3.ack); // wakes the waiting read
    assert.deepEqual((await pending).changes.map((c) => c.after!.id), [6]);
    await s.close();
  });

  test('a reopened source redelivers unacknowledged changes with the same changeIds', async () => {
    await db.exec('CREATE TABLE redeliver (id INT PRIMARY KEY)');
    await cdc.install(ref('redeliver'), {});
    await db.exec('INSERT INTO redeliver VALUES (1), (2), (3)');
    const s1 = await opened('redeliver');
    const first = await s1.read(2);
    await s1.ack(first.ack);
    const unacked = await s1.read(10);
    await s1.close(); // crash-like: the batch was never acknowledged
    const s2 = await opened('redeliver');
    const again = await drain(s2);
    await s2.close();
    assert.deepEqual(again, unacked.changes);
    assert.deepEqual(again.map((c) => c.after!.id), [3]);
  });

  test('only one process drains a table; uninstall refuses while it does', async () => {
    await db.exec('CREATE TABLE locked (id INT PRIMARY KEY)');
    await cdc.install(ref('locked'), {});
    const s1 = await opened('locked');
    const s2 = cdc.openSource(ref('locked'), { logger });
    await assert.rejects(s2.open(), (err: Error) => err instanceof TableBusyError && err.message.includes(`${db.name}.locked`));
    await assert.rejects(cdc.uninstall(ref('locked')), /being drained/);
    await s1.close();
    await s2.open();
    await s2.close();
    await assert.rejects(opened('never_installed'), /not installed.*install-triggers/);
  });

  test('status reports backlog, lag, checkpoint and the oldest open write transaction; long ones are warned about', async () => {
    await db.exec('CREATE TABLE watched (id INT PRIMARY KEY)');
    await cdc.install(ref('watched'), {});
    await db.exec('INSERT INTO watched VALUES (1), (2)');
    const writer = await db.connection();
    const alarmed = await openMysql(db.url, { longTransactionWarnSeconds: 1 });
    const log = recordingLogger();
    try {
      await writer.query('BEGIN');
      await writer.query('INSERT INTO watched VALUES (3)');
      await sleep(2100);
      const [st] = (await cdc.status()).filter((t) => t.table === `${db.name}.watched`);
      assert.equal(st!.backlog, 2);
      assert.ok(st!.lagSeconds >= 2 && st!.lagSeconds < 30, String(st!.lagSeconds));
      assert.ok((st!.details!.oldestOpenWriteTransaction as { ageSeconds: number }).ageSeconds >= 1);
      const s = alarmed.openSource(ref('watched'), { logger: log });
      await s.open();
      assert.equal((await drain(s)).length, 2);
      assert.equal(log.records.filter((r) => r.level === 'warn').length, 1);
      await writer.query('COMMIT');
      assert.equal((await drain(s)).length, 1);
      await s.close();
      const [done] = (await cdc.status()).filter((t) => t.table === `${db.name}.watched`);
      assert.equal(done!.backlog, 0);
      assert.equal(done!.lagSeconds, 0);
      assert.match(String(done!.checkpoint), /"last_id":"3"/);
    } finally {
      await writer.end();
      await alarmed.close();
    }
  });

  test('sequence numbers increase strictly, concurrently and across reopen', async () => {
    const a = await cdc.sequences.reserve('shop.any table', 5);
    const b = await cdc.sequences.reserve('shop.any table', 3);
    assert.equal(b, a + 5n);
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => cdc.sequences.reserve('shop.any table', 2)));
    assert.equal(new Set(concurrent.map(String)).size, 20);
    assert.ok(concurrent.every((n) => n >= b + 3n));
    const reopened = await openMysql(db.url);
    try {
      const c = await reopened.sequences.reserve('shop.any table', 1);
      assert.equal(c, b + 3n + 40n);
    } finally {
      await reopened.close();
    }
  });
});
