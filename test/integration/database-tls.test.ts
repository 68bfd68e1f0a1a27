import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { dropSlotsOf, waitForMode } from '../helpers/postgres-wal.js';
import { runCli, withCdcRun, type CliResult } from '../helpers/cli.js';
import { SECURED, secret } from '../helpers/secured.js';

/**
 * Database TLS against the local PostgreSQL 15 and MariaDB 10.11, which scripts/services.sh runs
 * with a certificate from the test CA (plain connections keep working for other tests). Each
 * database is captured end to end in its log mode — the WAL replication and binlog connections are
 * separate from the pool, and each must use TLS too — with events read from the stdout sink.
 */

function oneLine(r: CliResult, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `expected failure; stdout: ${r.stdout}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const events = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('PostgreSQL over TLS (sslmode=verify-full with sslrootcert)', () => {
  let db: TestDatabase;
  let tlsUrl: string;

  before(async () => {
    db = await createPostgresDatabase();
    await db.exec('CREATE TABLE users (id int PRIMARY KEY, name text)');
    await db.exec('ALTER TABLE users REPLICA IDENTITY FULL');
    const u = new URL(db.url);
    u.searchParams.set('sslmode', 'verify-full');
    u.searchParams.set('sslrootcert', SECURED.caFile);
    tlsUrl = u.toString();
  });
  after(async () => {
    if (!db) return;
    await dropSlotsOf(db.name);
    await db.drop();
  });

  test('install, upgrade to WAL and capture: pool and replication connections all encrypted', async () => {
    const installed = await runCli(['install-triggers', '--source', tlsUrl, '--table', 'users']);
    assert.equal(installed.code, 0, installed.stderr);
    const up = await runCli(['upgrade', '--source', tlsUrl, '--table', 'users', '--to', 'wal']);
    assert.equal(up.code, 0, up.stderr);

    await withCdcRun(['run', '--source', tlsUrl, '--sink', 'stdout', '--schedule', '50ms'], async (run) => {
      await waitForMode(db.url, 'public.users', 'wal');
      await db.exec(`INSERT INTO users VALUES (1, 'ada')`);
      await until('the WAL event', () => events(run.stdout).some((e) => e.after_data?.id === 1));
      assert.equal(events(run.stdout).find((e) => e.after_data?.id === 1).source.mode, 'wal');
      const sessions = await db.query<{ app: string; backend: string; ssl: boolean }>(
        `SELECT a.application_name AS app, a.backend_type AS backend, s.ssl
           FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
          WHERE a.datname = current_database() AND a.application_name LIKE 'cdc%'`,
      );
      assert.ok(sessions.some((s) => s.backend === 'walsender'), `a WAL sender among ${JSON.stringify(sessions)}`);
      assert.ok(sessions.some((s) => s.backend === 'client backend'), `a pool connection among ${JSON.stringify(sessions)}`);
      assert.deepEqual(sessions.filter((s) => !s.ssl), [], 'every cdc connection is encrypted');
    });
  });

  test('unsupported or fallback sslmode, missing CA file, untrusted certificate: one line each', async () => {
    const with_ = (params: Record<string, string>) => {
      const u = new URL(db.url);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return u.toString();
    };
    oneLine(await runCli(['status', '--source', with_({ sslmode: 'bogus' })]), /unsupported sslmode="bogus"; expected one of disable, require, verify-ca, verify-full/);
    oneLine(await runCli(['status', '--source', with_({ sslmode: 'prefer' })]), /sslmode=prefer falls back to plaintext/);
    oneLine(await runCli(['status', '--source', with_({ sslmode: 'verify-full', sslrootcert: '/nonexistent/ca.pem' })]), /sslrootcert: cannot read \/nonexistent\/ca\.pem: no such file/);
    oneLine(await runCli(['status', '--source', with_({ sslmode: 'verify-full' })]), /cannot connect to PostgreSQL .*certificate/);
    const plain = await runCli(['status', '--source', with_({ sslmode: 'require' })]);
    assert.equal(plain.code, 0, `sslmode=require encrypts without checking: ${plain.stderr}`);
  });
});

describe('MariaDB over TLS (ssl-mode=VERIFY_IDENTITY with ssl-ca), user that REQUIRE SSL', () => {
  let db: TestDatabase;
  let tlsUrl: string;
  const user = `cdc_tls_${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(6).toString('hex')}`;

  before(async () => {
    db = await createMysqlDatabase();
    await db.exec('CREATE TABLE users (id int PRIMARY KEY, name varchar(40))');
    // Refuses every plaintext login, so the binlog connection proves it uses TLS by working at all.
    await db.exec(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}' REQUIRE SSL`);
    await db.exec(`GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%'`);
    const u = new URL(db.url);
    u.username = user;
    u.password = password;
    u.searchParams.set('ssl-mode', 'VERIFY_IDENTITY');
    u.searchParams.set('ssl-ca', SECURED.caFile);
    tlsUrl = u.toString();
  });
  after(async () => {
    await db?.exec(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
    await db?.drop();
  });

  test('the user cannot log in without TLS', async () => {
    const plain = new URL(tlsUrl);
    plain.search = '';
    oneLine(await runCli(['status', '--source', plain.toString()]), /access denied/);
  });

  test('install, upgrade to binlog and capture through TLS', async () => {
    const installed = await runCli(['install-triggers', '--source', tlsUrl, '--table', 'users']);
    assert.equal(installed.code, 0, installed.stderr);
    const up = await runCli(['upgrade', '--source', tlsUrl, '--table', 'users', '--to', 'binlog']);
    assert.equal(up.code, 0, up.stderr);
    await withCdcRun(['run', '--source', tlsUrl, '--sink', 'stdout', '--schedule', '50ms'], async (run) => {
      await until('capture to start', () => run.stderr.includes('capturing'));
      await db.exec(`INSERT INTO users VALUES (1, 'ada')`);
      await until('the binlog event', () => events(run.stdout).some((e) => e.after_data?.id === 1));
      assert.equal(events(run.stdout).find((e) => e.after_data?.id === 1).source.mode, 'binlog');
    });
  });

  test('the same through config keys: sources[].tls and sources[].password_file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-dbtls-'));
    writeFileSync(join(dir, 'pw'), `${password}\n`);
    const bare = new URL(tlsUrl);
    bare.search = '';
    bare.password = '';
    const config = join(dir, 'cdc.yaml');
    writeFileSync(
      config,
      `sink: stdout\ndefaults: { schedule: 50ms }\nsources:\n  - url: "${bare}"\n    password_file: ${join(dir, 'pw')}\n    tls: { mode: verify-full, ca_file: ${SECURED.caFile} }\n`,
    );
    await withCdcRun(['run', '--config', config], async (run) => {
      await until('capture to start', () => run.stderr.includes('capturing'));
      await db.exec(`INSERT INTO users VALUES (2, 'bob')`);
      await until('the event', () => events(run.stdout).some((e) => e.after_data?.id === 2));
    });
    writeFileSync(config, `sink: stdout\nsources:\n  - url: "${bare}"\n    password_file: ${join(dir, 'pw')}\n    tls: { mode: sometimes }\n`);
    oneLine(await runCli(['run', '--config', config]), /key "sources\.0\.tls\.mode" must be one of "disable", "require", "verify-ca", "verify-full"/);
  });

  test('unsupported ssl-mode, missing CA file, untrusted certificate: one line each', async () => {
    const with_ = (params: Record<string, string>) => {
      const u = new URL(tlsUrl);
      u.search = '';
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return u.toString();
    };
    const dir = mkdtempSync(join(tmpdir(), 'cdc-dbtls-'));
    oneLine(await runCli(['status', '--source', with_({ 'ssl-mode': 'SOMETIMES' })]), /unsupported ssl-mode="SOMETIMES"; expected one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/);
    oneLine(await runCli(['status', '--source', with_({ 'ssl-mode': 'PREFERRED' })]), /ssl-mode=PREFERRED falls back to plaintext/);
    oneLine(await runCli(['status', '--source', with_({ 'ssl-ca': join(dir, 'none.pem') })]), /ssl-ca: cannot read .*none\.pem: no such file/);
    oneLine(await runCli(['status', '--source', with_({ 'ssl-mode': 'VERIFY_CA' })]), /TLS to MySQL at 127\.0\.0\.1:3306 failed: .*certificate/);
    for (const r of [await runCli(['status', '--source', with_({ 'ssl-mode': 'bogus' })])]) assert.ok(!r.stderr.includes(password), 'no password in errors');
  });
});

describe('Redis state store with a password and TLS (second server: 6380 plain, 6381 TLS)', () => {
  let db: TestDatabase;
  let password: string;
  before(async () => {
    db = await createPostgresDatabase();
    password = secret(SECURED.redisPasswordFile);
  });
  after(async () => db?.drop());

  test('ACL user over TLS with ?cacert=, default user with a password file; refusals in one line', async () => {
    const tls = `rediss://${SECURED.kafkaUser}:${encodeURIComponent(password)}@127.0.0.1:6381/0?cacert=${encodeURIComponent(SECURED.caFile)}`;
    const ok = await runCli(['status', '--source', db.url, '--state', tls]);
    assert.equal(ok.code, 0, ok.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'cdc-redis-'));
    writeFileSync(join(dir, 'pw'), password);
    const viaFile = await runCli(['status', '--source', db.url, '--state', 'redis://127.0.0.1:6380/0', '--state-password-file', join(dir, 'pw')]);
    assert.equal(viaFile.code, 0, viaFile.stderr);

    oneLine(await runCli(['status', '--source', db.url, '--state', 'redis://127.0.0.1:6380/0']), /state store .*NOAUTH/);
    oneLine(await runCli(['status', '--source', db.url, '--state', 'redis://cdc:wrong@127.0.0.1:6380/0']), /state store at redis:\/\/cdc:\*\*\*@127\.0\.0\.1:6380\/0: WRONGPASS/);
    oneLine(await runCli(['status', '--source', db.url, '--state', tls.replace(/\?cacert=.*/, '')]), /state store .*certificate/);
  });
});

describe('MongoDB TLS parameters (mongo-java-server has no TLS: bad input only)', () => {
  test('a missing tlsCAFile and an invalid tls value: one line each', async () => {
    oneLine(await runCli(['status', '--source', 'mongodb://127.0.0.1:27017/db?tls=true&tlsCAFile=/nonexistent/ca.pem']), /nonexistent\/ca\.pem/);
    oneLine(await runCli(['status', '--source', 'mongodb://127.0.0.1:27017/db?tls=maybe']), /tls\/ssl must be either "true" or "false"/);
  });
});
