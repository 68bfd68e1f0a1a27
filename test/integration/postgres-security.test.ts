import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { logTableName, triggerFunctionName } from '../../adapters/postgres/identifiers.js';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestDatabase, PG_ADMIN_URL, sleep, type TestDatabase } from '../helpers/postgres.js';

/**
 * The security probe's attacks on PostgreSQL (issue 10, docs/security.md), each run for real by a
 * role that is not a superuser: the captured table's owner, a writer with DML on it only, and a
 * monitoring role. cdc itself is installed and run as the superuser, as in the probe, except where
 * a test says otherwise. Roles are cluster-wide, so each run makes its own and drops them.
 */
const suffix = randomBytes(4).toString('hex');
const OWNER = `cdc_sec_owner_${suffix}`;
const WRITER = `cdc_sec_writer_${suffix}`;
const MONITOR = `cdc_sec_monitor_${suffix}`;
const PLANTER = `cdc_sec_planter_${suffix}`;
const ROLES = [OWNER, WRITER, MONITOR, PLANTER];

const T = (name: string) => ({ schema: 'public', name });

function urlAs(db: TestDatabase, role: string): string {
  const u = new URL(db.url);
  u.username = role;
  return u.toString();
}

async function connectAs(db: TestDatabase, role: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: urlAs(db, role) });
  await c.connect();
  return c;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(lines[0]!, /unexpected error/);
}

before(async () => {
  await admin(async (c) => {
    for (const r of ROLES) await c.query(`CREATE ROLE ${r} LOGIN`);
  });
});

after(async () => {
  await admin(async (c) => {
    for (const r of ROLES) await c.query(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
  });
});

describe('postgres: an application role cannot escalate, forge or snoop through cdc', () => {
  let db: TestDatabase;
  let sup: pg.Client;
  let owner: pg.Client;
  let writer: pg.Client;
  const acctLog = logTableName(T('acct'));
  const otherLog = logTableName(T('other'));

  before(async () => {
    db = await createTestDatabase();
    sup = await db.client();
    await sup.query(`GRANT CREATE ON SCHEMA public TO ${OWNER}, ${MONITOR}`);
    owner = await connectAs(db, OWNER);
    await owner.query('CREATE TABLE acct (id int PRIMARY KEY, v text)');
    // Another team's table: the attacker owns acct, not this one.
    await sup.query('CREATE TABLE other (id int PRIMARY KEY, v text)');
    await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON acct TO ${WRITER}`);
    const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'acct,other']);
    assert.equal(installed.code, 0, installed.stderr);
    writer = await connectAs(db, WRITER);
  });

  after(async () => {
    await owner?.end().catch(() => undefined);
    await writer?.end().catch(() => undefined);
    await db?.drop();
  });

  test("a table owner's cast to json runs as that owner: no superuser, no other table's log", async () => {
    // The probe: a type the owner made, a cast of it to json whose function tries to take
    // superuser and to forge a row in another table's change log, and a column of that type.
    await owner.query(`
      CREATE TYPE mood AS ENUM ('ok');
      CREATE FUNCTION mood_json(mood) RETURNS json LANGUAGE plpgsql AS $f$
      BEGIN
        BEGIN EXECUTE format('ALTER ROLE %I SUPERUSER', '${OWNER}'); EXCEPTION WHEN OTHERS THEN NULL; END;
        BEGIN EXECUTE format('INSERT INTO cdc.%I (op, after) VALUES (%L, %L)', '${otherLog}', 'I', '{"id": 666, "v": "forged"}');
        EXCEPTION WHEN OTHERS THEN NULL; END;
        RETURN '"ok"'::json;
      END $f$;
      CREATE CAST (mood AS json) WITH FUNCTION mood_json(mood);
      ALTER TABLE acct ADD COLUMN m mood;`);
    await owner.query(`INSERT INTO acct VALUES (1, 'by owner', 'ok')`);
    await writer.query(`INSERT INTO acct VALUES (2, 'by writer', 'ok')`);

    const roles = await sup.query<{ rolname: string; rolsuper: boolean }>(
      'SELECT rolname, rolsuper FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
      [[OWNER, WRITER]],
    );
    assert.deepEqual(roles.rows.map((r) => r.rolsuper), [false, false]);
    const forged = await sup.query(`SELECT count(*)::int AS n FROM cdc.${otherLog}`);
    assert.equal(forged.rows[0].n, 0, 'a row was forged into another table’s change log');
    // The application's writes still succeeded and were captured.
    const logged = await sup.query(`SELECT count(*)::int AS n FROM cdc.${acctLog}`);
    assert.equal(logged.rows[0].n, 2);
    await owner.query('ALTER TABLE acct DROP COLUMN m; DROP CAST (mood AS json); DROP FUNCTION mood_json(mood); DROP TYPE mood');
  });

  test('the capture functions are not executable by PUBLIC: nobody can attach them to a table of their own', async () => {
    await sup.query(`GRANT USAGE ON SCHEMA cdc TO ${MONITOR}`);
    const monitor = await connectAs(db, MONITOR);
    try {
      await monitor.query('CREATE TABLE mine (id int PRIMARY KEY)');
      await assert.rejects(
        monitor.query(`CREATE TRIGGER forge AFTER INSERT ON mine FOR EACH ROW EXECUTE FUNCTION cdc.${triggerFunctionName(T('acct'))}()`),
        /permission denied for function/,
      );
    } finally {
      await monitor.end();
    }
  });

  test("a writer of the captured table can neither write nor read cdc's logs, checkpoints or history", async () => {
    const denied = /permission denied/;
    await assert.rejects(writer.query(`INSERT INTO cdc.${acctLog} (op, after) VALUES ('I', '{"id": 9}')`), denied);
    await assert.rejects(writer.query(`SELECT * FROM cdc.${otherLog}`), denied);
    await assert.rejects(writer.query(`UPDATE cdc.checkpoints SET position = NULL`), denied);
    await assert.rejects(writer.query(`DELETE FROM cdc.change_history`), denied);
    // Even with USAGE on the schema (a monitoring grant), the tables stay closed to it.
    await sup.query(`GRANT USAGE ON SCHEMA cdc TO ${WRITER}`);
    await assert.rejects(writer.query(`INSERT INTO cdc.${acctLog} (op, after) VALUES ('I', '{"id": 9}')`), denied);
    await assert.rejects(writer.query(`SELECT * FROM cdc.${acctLog}`), denied);
    await assert.rejects(writer.query(`DELETE FROM cdc.${acctLog}`), denied);
    // The owner may append to its own table's log (the trigger runs as the owner), but not read it,
    // nor write another table's log.
    await assert.rejects(owner.query(`SELECT * FROM cdc.${acctLog}`), denied);
    await assert.rejects(owner.query(`INSERT INTO cdc.${otherLog} (op, after) VALUES ('I', '{"id": 9}')`), denied);
    await sup.query(`REVOKE USAGE ON SCHEMA cdc FROM ${WRITER}`);
  });

  test('a trigger or a CREATE grant someone put on schema cdc makes cdc refuse with one line', async () => {
    await sup.query(`GRANT USAGE ON SCHEMA cdc TO ${PLANTER}; GRANT TRIGGER ON cdc.checkpoints TO ${PLANTER}`);
    const planter = await connectAs(db, PLANTER);
    try {
      await sup.query(`GRANT CREATE ON SCHEMA public TO ${PLANTER}`);
      await planter.query(`CREATE FUNCTION public.steal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER steal BEFORE UPDATE ON cdc.checkpoints FOR EACH ROW EXECUTE FUNCTION public.steal();`);
      oneLineError(await runCli(['status', '--source', db.url]), /refusing to use schema cdc: cdc\.checkpoints has a trigger cdc did not create \(steal\)/);
      oneLineError(await runCli(['install-triggers', '--source', db.url, '--table', 'other']), /refusing to use schema cdc/);
      await sup.query('DROP TRIGGER steal ON cdc.checkpoints');
      await sup.query(`REVOKE TRIGGER ON cdc.checkpoints FROM ${PLANTER}; GRANT CREATE ON SCHEMA cdc TO ${PLANTER}`);
      oneLineError(await runCli(['status', '--source', db.url]), new RegExp(`role ${PLANTER} may create objects in schema cdc`));
      await sup.query(`REVOKE CREATE ON SCHEMA cdc FROM ${PLANTER}`);
      const ok = await runCli(['status', '--source', db.url]);
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      await planter.end();
    }
  });

  test('cdc status runs as a monitoring role without CREATE; without its grants it says so in one line', async () => {
    // No grants on schema cdc beyond USAGE: refused, with the privilege named.
    await sup.query(`GRANT USAGE ON SCHEMA cdc TO ${MONITOR}`);
    oneLineError(await runCli(['status', '--source', urlAs(db, MONITOR)]), /the database refused: permission denied for table .*docs\/security\.md/);
    // The documented monitoring grants (docs/security.md): USAGE and SELECT, no CREATE anywhere.
    await sup.query(`REVOKE CREATE ON SCHEMA public FROM ${MONITOR}; GRANT SELECT ON ALL TABLES IN SCHEMA cdc TO ${MONITOR}`);
    const r = await runCli(['status', '--source', urlAs(db, MONITOR), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const tables = (JSON.parse(r.stdout) as { table: string }[]).map((t) => t.table).sort();
    assert.deepEqual(tables, ['public.acct', 'public.other']);
  });

  test('cdc run warns loudly, and marks the table, while its triggers are disabled', async () => {
    const metricsPort = 20_000 + Math.floor(Math.random() * 20_000);
    const run = startCli(['run', '--source', db.url, '--table', 'acct', '--sink', 'stdout', '--schedule', '100ms', '--metrics-port', String(metricsPort)], {
      CDC_LOG_LEVEL: 'info',
    });
    try {
      await owner.query('ALTER TABLE acct DISABLE TRIGGER cdc_capture');
      const deadline = Date.now() + 30_000;
      while (!/CHANGES ARE NOT BEING CAPTURED: table public\.acct: its capture triggers are disabled/.test(run.stderr + run.stdout)) {
        assert.ok(Date.now() < deadline, `no warning within 30 s; stderr: ${run.stderr}`);
        await sleep(200);
      }
      const status = await runCli(['status', '--source', db.url, '--json']);
      const acct = (JSON.parse(status.stdout) as { table: string; details?: { triggersActive?: boolean } }[]).find((t) => t.table === 'public.acct');
      assert.equal(acct?.details?.triggersActive, false, status.stdout);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.match(metrics, /^cdc_capture_active\{table="public\.acct"\} 0$/m);
      const human = await runCli(['status', '--source', db.url]);
      assert.match(human.stdout, /^WARNING: public\.acct: capture triggers are disabled or missing; changes are NOT being captured/m);
      await owner.query('ALTER TABLE acct ENABLE TRIGGER cdc_capture');
      while (!/capture triggers are back/.test(run.stderr + run.stdout)) {
        assert.ok(Date.now() < deadline + 15_000, `no recovery line; stderr: ${run.stderr}`);
        await sleep(200);
      }
    } finally {
      assert.equal(await run.stop(), 0, run.stderr);
    }
  });
});

describe('postgres: a schema cdc prepared by another role is never adopted', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase();
  });

  after(async () => {
    await db?.drop();
  });

  test('a planted change-log table with its own trigger stops install with one line, and nothing is installed', async () => {
    const sup = await db.client();
    await sup.query(`CREATE TABLE users (id int PRIMARY KEY, name text); GRANT CREATE ON DATABASE ${db.name} TO ${PLANTER}`);
    const planter = await connectAs(db, PLANTER);
    try {
      const log = logTableName(T('users'));
      await planter.query(`CREATE SCHEMA cdc;
        CREATE TABLE cdc.${log} (id bigserial PRIMARY KEY, txid xid8, op "char", changed_at timestamptz, before jsonb, after jsonb);
        CREATE FUNCTION cdc.tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.after := '{"id": 0}'; RETURN NEW; END $$;
        CREATE TRIGGER tamper BEFORE INSERT ON cdc.${log} FOR EACH ROW EXECUTE FUNCTION cdc.tamper();`);
      const r = await runCli(['install-triggers', '--source', db.url, '--table', 'users']);
      oneLineError(r, new RegExp(`refusing to use schema cdc: schema cdc is owned by role ${PLANTER}`));
      const triggers = await sup.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'users'::regclass AND NOT tgisinternal`);
      assert.equal(triggers.rows[0].n, 0);
      // The same schema owned by a trusted role but holding the planted table: still refused.
      await sup.query(`ALTER SCHEMA cdc OWNER TO postgres`);
      oneLineError(await runCli(['install-triggers', '--source', db.url, '--table', 'users']), new RegExp(`cdc\\.${log} is owned by role ${PLANTER}`));
      await sup.query(`DROP SCHEMA cdc CASCADE; REVOKE CREATE ON DATABASE ${db.name} FROM ${PLANTER}`);
      const ok = await runCli(['install-triggers', '--source', db.url, '--table', 'users']);
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      await planter.end();
    }
  });

  test("a table owner without superuser installs and runs capture of its own table", async () => {
    const sup = await db.client();
    await sup.query(`DROP SCHEMA IF EXISTS cdc CASCADE; GRANT CREATE ON DATABASE ${db.name} TO ${OWNER}; GRANT CREATE ON SCHEMA public TO ${OWNER}`);
    const owner = await connectAs(db, OWNER);
    try {
      await owner.query('CREATE TABLE mine (id int PRIMARY KEY, v text)');
      const url = urlAs(db, OWNER);
      const installed = await runCli(['install-triggers', '--source', url, '--table', 'mine']);
      assert.equal(installed.code, 0, installed.stderr);
      await owner.query(`INSERT INTO mine VALUES (1, 'a'), (2, 'b')`);
      const run = startCli(['run', '--source', url, '--table', 'mine', '--sink', 'stdout', '--schedule', '100ms']);
      try {
        const deadline = Date.now() + 30_000;
        while (run.stdout.split('\n').filter((l) => l.includes('"table_name":"public.mine"')).length < 2) {
          assert.ok(Date.now() < deadline, `events not seen; stderr: ${run.stderr}`);
          await sleep(200);
        }
      } finally {
        assert.equal(await run.stop(), 0, run.stderr);
      }
      const keys = run.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => (JSON.parse(l) as { primary_key: { id: number } }).primary_key.id);
      assert.deepEqual(keys, [1, 2]);
    } finally {
      await owner.end();
      await sup.query(`DROP SCHEMA cdc CASCADE; REVOKE CREATE ON DATABASE ${db.name} FROM ${OWNER}`);
    }
  });
});
