import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { cdcObjectNames, stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestDatabase, MYSQL_TEST_SERVER, type MysqlTestDatabase } from '../helpers/mysql.js';
import { sleep } from '../helpers/postgres.js';

/**
 * The probe's MySQL/MariaDB findings (issue 10, docs/security.md): an application user with the
 * common database-wide grant (`ON app.*`) could insert into any change log (a forged event that
 * cdc run emitted), read every log and rewrite the checkpoints. cdc's state and change logs now
 * live in a database of their own, which such a user has no grant on; the trigger still writes
 * there because a MySQL trigger runs with its definer's rights.
 */
const APP_USER = `cdc_app_${randomBytes(4).toString('hex')}`;
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

function urlAs(db: MysqlTestDatabase, user: string, password: string): string {
  const u = new URL(db.url);
  u.username = user;
  u.password = password;
  return u.toString();
}

async function admin<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection(MYSQL_TEST_SERVER);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function eventsOf(run: ReturnType<typeof startCli>, table: string, count: number): Promise<Array<{ operation: string; after_data: Record<string, unknown> | null }>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const events = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { table_name: string; operation: string; after_data: Record<string, unknown> | null })
      .filter((e) => e.table_name === table);
    if (events.length >= count) return events;
    assert.ok(Date.now() < deadline, `saw ${events.length} of ${count} events of ${table}; stderr: ${run.stderr}`);
    await sleep(200);
  }
}

describe("mysql: an application user with the database-wide grant cannot forge or read cdc's state", () => {
  let db: MysqlTestDatabase;
  let app: mysql.Connection;
  const state = () => `\`${stateDatabaseName(db.name)}\``;

  before(async () => {
    db = await createTestDatabase();
    await db.exec('CREATE TABLE salaries (id INT PRIMARY KEY, amount INT)');
    const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'salaries']);
    assert.equal(installed.code, 0, `install: ${installed.stderr}`);
    await admin(async (c) => {
      await c.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [APP_USER, PASSWORD]);
      // The probe's grant, plus a wildcard one a DBA might use for "all of the app's databases".
      await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${db.name}\`.* TO ?@'%'`, [APP_USER]);
      await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${db.name.replaceAll('_', '\\_')}%\`.* TO ?@'%'`, [APP_USER]);
    });
    app = await mysql.createConnection(urlAs(db, APP_USER, PASSWORD));
  });

  after(async () => {
    await app?.end().catch(() => undefined);
    await admin((c) => c.query(`DROP USER IF EXISTS ?@'%'`, [APP_USER])).catch(() => undefined);
    await db?.drop();
  });

  test('nothing of cdc lives in the application database any more', async () => {
    const [rows] = await app.query<mysql.RowDataPacket[]>(`SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`, [db.name]);
    assert.deepEqual(rows.map((r) => r.t), ['salaries']);
  });

  test('its writes are captured, but it cannot insert into the change log, read it, or touch the checkpoints', async () => {
    await app.query('INSERT INTO salaries VALUES (1, 100)');
    const log = `${state()}.\`${cdcObjectNames({ schema: db.name, name: 'salaries' }).logTable}\``;
    const denied = /denied/;
    await assert.rejects(app.query(`INSERT INTO ${log} (op, changed_at, after_image) VALUES ('I', UTC_TIMESTAMP(6), '{"id": 2, "amount": 999999}')`), denied);
    await assert.rejects(app.query(`SELECT * FROM ${log}`), denied);
    await assert.rejects(app.query(`UPDATE ${state()}.cdc_checkpoints SET position = NULL`), denied);
    await assert.rejects(app.query(`DELETE FROM ${state()}.cdc_captured_tables`), denied);
    await assert.rejects(app.query(`SELECT * FROM ${state()}.cdc_change_history`), denied);

    const run = startCli(['run', '--source', db.url, '--table', 'salaries', '--sink', 'stdout', '--schedule', '100ms']);
    try {
      const events = await eventsOf(run, `${db.name}.salaries`, 1);
      assert.deepEqual(events.map((e) => [e.operation, e.after_data]), [['INSERT', { id: 1, amount: 100 }]]);
    } finally {
      assert.equal(await run.stop(), 0, `run: ${run.stderr}`);
    }
  });
});

describe('mysql: cdc run says loudly when a capture trigger is dropped', () => {
  let db: MysqlTestDatabase;

  before(async () => {
    db = await createTestDatabase();
  });

  after(async () => {
    await db?.drop();
  });

  test('a warning naming the table while a trigger is missing, and one line when install-triggers put it back', async () => {
    await db.exec('CREATE TABLE watched (id INT PRIMARY KEY)');
    const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'watched']);
    assert.equal(installed.code, 0, `install: ${installed.stderr}`);
    const run = startCli(['run', '--source', db.url, '--table', 'watched', '--sink', 'stdout', '--schedule', '100ms'], { CDC_LOG_LEVEL: 'info' });
    try {
      await db.exec(`DROP TRIGGER \`${cdcObjectNames({ schema: db.name, name: 'watched' }).triggers.delete}\``);
      const deadline = Date.now() + 30_000;
      const table = `${db.name}.watched`.replaceAll('.', '\\.');
      while (!new RegExp(`CHANGES ARE NOT BEING CAPTURED: table ${table}: its capture triggers are missing`).test(run.stderr + run.stdout)) {
        assert.ok(Date.now() < deadline, `no warning within 30 s; stderr: ${run.stderr}`);
        await sleep(200);
      }
      const status = await runCli(['status', '--source', db.url]);
      assert.match(status.stdout, /^WARNING: .*watched: capture triggers are disabled or missing/m);
      const again = await runCli(['install-triggers', '--source', db.url, '--table', 'watched']);
      assert.equal(again.code, 0, `re-install: ${again.stderr}`);
      while (!/capture triggers are back/.test(run.stderr + run.stdout)) {
        assert.ok(Date.now() < deadline + 15_000, `no recovery line; stderr: ${run.stderr}`);
        await sleep(200);
      }
    } finally {
      assert.equal(await run.stop(), 0, `run: ${run.stderr}`);
    }
  });
});

describe('mysql: a database captured with the earlier layout moves to the state database on the next start', () => {
  let db: MysqlTestDatabase;

  before(async () => {
    db = await createTestDatabase();
  });

  after(async () => {
    await db?.drop();
  });

  test('state tables and change log move, the triggers follow, and nothing in the backlog is lost', async () => {
    await db.exec('CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20))');
    const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'items']);
    assert.equal(installed.code, 0, `install: ${installed.stderr}`);
    // Put everything back where cdc before the state database kept it: state tables and the change
    // log in the application database, triggers writing there.
    const stateName = stateDatabaseName(db.name);
    const names = cdcObjectNames({ schema: db.name, name: 'items' });
    const stateTables = (await db.query<{ t: string }>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [stateName])).map((r) => r.t);
    await db.exec(`RENAME TABLE ${stateTables.map((t) => `\`${stateName}\`.\`${t}\` TO \`${db.name}\`.\`${t}\``).join(', ')}`);
    const triggers = await db.query<{ name: string; event: string; body: string }>(
      `SELECT TRIGGER_NAME AS name, EVENT_MANIPULATION AS event, ACTION_STATEMENT AS body FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ?`,
      [db.name],
    );
    assert.equal(triggers.length, 3);
    for (const t of triggers) {
      await db.exec(
        `CREATE OR REPLACE TRIGGER \`${t.name}\` AFTER ${t.event} ON items FOR EACH ROW\n${t.body.replaceAll(`\`${stateName}\`.`, `\`${db.name}\`.`)}`,
      );
    }
    await db.exec(`DROP DATABASE \`${stateName}\``);
    await db.exec(`INSERT INTO items VALUES (1, 'before move'), (2, 'before move')`);
    assert.equal(Number((await db.query(`SELECT COUNT(*) AS n FROM \`${names.logTable}\``))[0]!.n), 2, 'the backlog sits in the old log');

    // cdc status only reads: it moves nothing.
    const status = await runCli(['status', '--source', db.url, '--json']);
    assert.equal(status.code, 0, `status: ${status.stderr}${status.stdout}`);
    assert.equal((JSON.parse(status.stdout) as { backlog: number }[])[0]!.backlog, 2);
    assert.equal((await db.query('SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [stateName])).length, 0);

    const run = startCli(['run', '--source', db.url, '--table', 'items', '--sink', 'stdout', '--schedule', '100ms']);
    try {
      await eventsOf(run, `${db.name}.items`, 2);
      await db.exec(`INSERT INTO items VALUES (3, 'after move')`);
      const events = await eventsOf(run, `${db.name}.items`, 3);
      assert.deepEqual(
        events.map((e) => e.after_data),
        [{ id: 1, v: 'before move' }, { id: 2, v: 'before move' }, { id: 3, v: 'after move' }],
      );
    } finally {
      assert.equal(await run.stop(), 0, `run: ${run.stderr}`);
    }
    const left = await db.query<{ t: string }>(`SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, [db.name]);
    assert.deepEqual(left.map((r) => r.t), ['items'], 'nothing of cdc is left in the application database');
    const bodies = await db.query<{ body: string }>(`SELECT ACTION_STATEMENT AS body FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ?`, [db.name]);
    assert.equal(bodies.length, 3);
    for (const b of bodies) assert.match(b.body, new RegExp(`^INSERT INTO \`${stateName}\`\\.`));
  });
});
