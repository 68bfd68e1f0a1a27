import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { stateDatabaseName } from '../../adapters/mysql/identifiers.js';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestDatabase as createMysqlDatabase, MYSQL_TEST_SERVER, type MysqlTestDatabase } from '../helpers/mysql.js';
import { createTestDatabase as createPgDatabase, PG_ADMIN_URL, sleep, type TestDatabase } from '../helpers/postgres.js';

/**
 * docs/security.md "Least privilege": each capture mode runs with exactly the grants listed there,
 * as a role that is not a superuser, and a missing grant is refused with one line that names it.
 */
const suffix = randomBytes(4).toString('hex');

function oneLine(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
}

async function events(run: ReturnType<typeof startCli>, count: number): Promise<Array<{ operation: string; primary_key: Record<string, unknown> }>> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const got = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { operation: string; primary_key: Record<string, unknown> });
    if (got.length >= count) return got;
    assert.ok(Date.now() < deadline, `saw ${got.length} of ${count} events; stderr: ${run.stderr}`);
    await sleep(200);
  }
}

describe('postgres: WAL capture as a non-superuser with REPLICATION that owns the table', () => {
  const ROLE = `cdc_lp_wal_${suffix}`;
  let db: TestDatabase;

  before(async () => {
    db = await createPgDatabase();
    const sup = await db.client();
    await sup.query(`CREATE ROLE ${ROLE} LOGIN NOREPLICATION; GRANT CREATE ON DATABASE ${db.name} TO ${ROLE}; GRANT CREATE ON SCHEMA public TO ${ROLE}`);
  });

  after(async () => {
    await db?.drop();
    const a = new pg.Client({ connectionString: PG_ADMIN_URL });
    await a.connect();
    await a.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
    await a.end();
  });

  test('without REPLICATION: one line naming it; with it: upgrade and capture', async () => {
    const u = new URL(db.url);
    u.username = ROLE;
    const url = u.toString();
    const own = new pg.Client({ connectionString: url });
    await own.connect();
    try {
      // The owner's part of WAL capture: full before images (docs/postgres-wal.md).
      await own.query('CREATE TABLE w (id int PRIMARY KEY, v text); ALTER TABLE w REPLICA IDENTITY FULL');
      const installed = await runCli(['install-triggers', '--source', url, '--table', 'w']);
      assert.equal(installed.code, 0, installed.stderr);
      oneLine(await runCli(['upgrade', '--source', url, '--table', 'w', '--to', 'wal']), new RegExp(`role ${ROLE} may not stream the WAL: run ALTER ROLE ${ROLE} REPLICATION`));
      const sup = await db.client();
      await sup.query(`ALTER ROLE ${ROLE} REPLICATION`);
      const upgraded = await runCli(['upgrade', '--source', url, '--table', 'w', '--to', 'wal']);
      assert.equal(upgraded.code, 0, upgraded.stderr);
      const run = startCli(['run', '--source', url, '--table', 'w', '--sink', 'stdout', '--schedule', '100ms']);
      try {
        const deadline = Date.now() + 45_000;
        while (!/"mode":"wal"/.test(run.stdout)) {
          await own.query(`INSERT INTO w VALUES ($1, 'x') ON CONFLICT DO NOTHING`, [Math.floor(Math.random() * 1e6)]);
          assert.ok(Date.now() < deadline, `no wal event; stderr: ${run.stderr}`);
          await sleep(300);
        }
      } finally {
        assert.equal(await run.stop(), 0, run.stderr);
      }
    } finally {
      await own.end();
    }
  });
});

describe('mysql: trigger and binlog capture with the documented grants only', () => {
  const USER = `cdc_lp_${suffix}`;
  const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
  let db: MysqlTestDatabase;
  let admin: mysql.Connection;
  let url = '';
  let trust = '0';

  before(async () => {
    db = await createMysqlDatabase();
    admin = await mysql.createConnection(MYSQL_TEST_SERVER);
    await db.exec('CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2))');
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [USER, PASSWORD]);
    // docs/security.md: read the captured tables (snapshots, polling, status), create triggers on
    // them; everything in cdc's own database; PROCESS for the long-transaction check.
    await admin.query(`GRANT SELECT ON \`${db.name}\`.* TO ?@'%'`, [USER]);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${stateDatabaseName(db.name)}\`.* TO ?@'%'`, [USER]);
    await admin.query(`GRANT PROCESS ON *.* TO ?@'%'`, [USER]);
    const u = new URL(db.url);
    u.username = USER;
    u.password = PASSWORD;
    url = u.toString();
  });

  after(async () => {
    await admin?.query(`SET GLOBAL log_bin_trust_function_creators = ${Number(trust)}`).catch(() => undefined);
    await admin?.query(`DROP USER IF EXISTS ?@'%'`, [USER]).catch(() => undefined);
    await admin?.end();
    await db?.drop();
  });

  test('without SUPER while the binlog is on, and without TRIGGER on the table: one line each, and no trigger is left behind', async () => {
    const before = await db.objects();
    // The server's default: with binary logging on, CREATE TRIGGER needs SUPER unless the server
    // trusts function creators (docs/security.md).
    const [[row]] = await admin.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.log_bin_trust_function_creators AS t');
    trust = String(row!.t);
    await admin.query('SET GLOBAL log_bin_trust_function_creators = 0');
    oneLine(await runCli(['install-triggers', '--source', url, '--table', 'orders']), /binary logging is on and this user lacks SUPER; set log_bin_trust_function_creators=1/);
    await admin.query('SET GLOBAL log_bin_trust_function_creators = 1');
    const r = await runCli(['install-triggers', '--source', url, '--table', 'orders']);
    oneLine(r, /TRIGGER command denied to user/);
    assert.doesNotMatch(r.stderr, new RegExp(PASSWORD));
    assert.deepEqual((await db.objects()).filter((o) => o.startsWith('trigger:')), before.filter((o) => o.startsWith('trigger:')));
  });

  test('with TRIGGER: install and capture; binlog needs REPLICATION SLAVE and CLIENT (or BINLOG MONITOR)', async () => {
    await admin.query(`GRANT TRIGGER ON \`${db.name}\`.orders TO ?@'%'`, [USER]);
    const installed = await runCli(['install-triggers', '--source', url, '--table', 'orders']);
    assert.equal(installed.code, 0, installed.stderr);
    await db.exec('INSERT INTO orders VALUES (1, 9.99), (2, 19.99)');
    const run = startCli(['run', '--source', url, '--table', 'orders', '--sink', 'stdout', '--schedule', '100ms']);
    try {
      const got = await events(run, 2);
      assert.deepEqual(got.map((e) => e.primary_key.id), [1, 2]);
    } finally {
      assert.equal(await run.stop(), 0, run.stderr);
    }
    oneLine(await runCli(['upgrade', '--source', url, '--table', 'orders', '--to', 'binlog']), /REPLICATION SLAVE/);
    await admin.query(`GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ?@'%'`, [USER]);
    const upgraded = await runCli(['upgrade', '--source', url, '--table', 'orders', '--to', 'binlog']);
    assert.equal(upgraded.code, 0, upgraded.stderr);
    const run2 = startCli(['run', '--source', url, '--table', 'orders', '--sink', 'stdout', '--schedule', '100ms']);
    try {
      const deadline = Date.now() + 45_000;
      let id = 3;
      while (!/"mode":"binlog"/.test(run2.stdout)) {
        await db.exec(`INSERT INTO orders VALUES (${id++}, 1.00)`);
        assert.ok(Date.now() < deadline, `no binlog event; stderr: ${run2.stderr}`);
        await sleep(300);
      }
    } finally {
      assert.equal(await run2.stop(), 0, run2.stderr);
    }
  });
});

describe('mysql: polling with SELECT and PROCESS only', () => {
  const USER = `cdc_lp_poll_${suffix}`;
  const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
  const STATE = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';
  let db: MysqlTestDatabase;
  let admin: mysql.Connection;

  before(async () => {
    db = await createMysqlDatabase();
    admin = await mysql.createConnection(MYSQL_TEST_SERVER);
    await db.exec('CREATE TABLE polled (id INT PRIMARY KEY, v VARCHAR(20), updated_at DATETIME(6) NOT NULL, INDEX poll_idx (updated_at, id))');
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [USER, PASSWORD]);
    await admin.query(`GRANT SELECT ON \`${db.name}\`.* TO ?@'%'`, [USER]);
  });

  after(async () => {
    await admin?.query(`DROP USER IF EXISTS ?@'%'`, [USER]).catch(() => undefined);
    await admin?.end();
    await db?.drop();
  });

  test('without PROCESS: a warning naming it, capture on --safety-lag alone; with it: no warning; nothing created in the database', async () => {
    const u = new URL(db.url);
    u.username = USER;
    u.password = PASSWORD;
    const url = u.toString();
    const registered = await runCli(['install-poll', '--source', url, '--state', STATE, '--table', 'polled', '--column', 'updated_at', '--safety-lag', '200ms']);
    assert.equal(registered.code, 0, registered.stderr);
    await db.exec(`INSERT INTO polled VALUES (1, 'a', UTC_TIMESTAMP(6)), (2, 'b', UTC_TIMESTAMP(6))`);
    const args = ['run', '--source', url, '--state', STATE, '--table', 'polled', '--sink', 'stdout', '--schedule', '100ms'];
    const degraded = startCli(args);
    try {
      const got = await events(degraded, 2);
      assert.deepEqual(got.map((e) => e.primary_key.id).sort(), [1, 2]);
      assert.match(degraded.stderr, /"privilege":"PROCESS".*GRANT PROCESS to the cdc user/);
    } finally {
      assert.equal(await degraded.stop(), 0, degraded.stderr);
    }
    assert.doesNotMatch(degraded.stderr, new RegExp(PASSWORD));
    await admin.query(`GRANT PROCESS ON *.* TO ?@'%'`, [USER]);
    await db.exec(`INSERT INTO polled VALUES (3, 'c', UTC_TIMESTAMP(6))`);
    const run = startCli(args);
    try {
      const got = await events(run, 1);
      assert.deepEqual(got.map((e) => e.primary_key.id), [3]);
    } finally {
      assert.equal(await run.stop(), 0, run.stderr);
    }
    assert.doesNotMatch(run.stderr, /PROCESS/);
    assert.deepEqual((await db.objects()).filter((o) => o !== 'table:polled'), [], 'polling creates nothing in the source');
  });
});
