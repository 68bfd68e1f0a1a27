import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createToken, startServe, tempRegistry, freePort } from '../helpers/serve.js';
import { startCli } from '../helpers/cli.js';
import { KAFKA_BROKERS } from '../helpers/kafka.js';

/**
 * `cdc serve` over HTTP, against a real child process with an SQLite registry: auth, every bad
 * input of issue 12 (a 4xx with a one-line JSON error naming the field, nothing created), the
 * OpenAPI document, and consumers' registry rows and topic naming.
 */
describe('cdc serve API: auth, bad input, consumers', () => {
  let pgdb: TestDatabase;
  let mydb: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let admin: string;
  let reader: string;
  const registry = tempRegistry();
  const PASSWORD = 'Sup3rS3cretPw';
  let pgUrl: string;

  before(async () => {
    pgdb = await createPostgresDatabase();
    mydb = await createMysqlDatabase();
    await pgdb.exec('CREATE TABLE users (id int PRIMARY KEY, name text)');
    await pgdb.exec('CREATE TABLE orders (id int PRIMARY KEY, total numeric)');
    await pgdb.exec('CREATE TABLE keyless (a int)');
    await mydb.exec('CREATE TABLE items (id int PRIMARY KEY, name varchar(50))');
    // The test servers trust every local login: the password is accepted and ignored, which is
    // what lets the test check where it shows up.
    pgUrl = pgdb.url.replace('postgres://postgres@', `postgres://postgres:${PASSWORD}@`);
    admin = await createToken(registry, 'admin');
    reader = await createToken(registry, 'read');
    serve = await startServe(registry);
  });
  after(async () => {
    const code = await serve?.stop();
    assert.equal(code, 0, serve?.proc.stderr);
    assert.ok(!serve.proc.stderr.includes(PASSWORD), 'the password never reaches the logs');
    await pgdb?.drop();
    await mydb?.drop();
  });

  const oneLineError = (r: { status: number; body: any; text: string }, status: number, field: RegExp) => {
    assert.equal(r.status, status, r.text);
    assert.equal(typeof r.body?.error, 'string', r.text);
    assert.ok(!r.body.error.includes('\n'), 'one line');
    assert.match(r.body.error, field);
    assert.ok(!r.text.includes(PASSWORD), `password echoed: ${r.text}`);
  };
  const listSources = async () => (await serve.api('GET', '/api/v1/sources', { token: admin })).body;

  test('no token is 401, a wrong token 401, a read token may GET but not POST (403)', async () => {
    oneLineError(await serve.api('GET', '/api/v1/sources'), 401, /^authorization: /);
    oneLineError(await serve.api('GET', '/api/v1/sources', { token: 'cdc_AAAAAAAAAAAA_' + 'A'.repeat(43) }), 401, /^authorization: /);
    const forged = admin.slice(0, -1) + (admin.endsWith('A') ? 'B' : 'A');
    oneLineError(await serve.api('GET', '/api/v1/sources', { token: forged }), 401, /^authorization: /);
    assert.equal((await serve.api('GET', '/api/v1/sources', { token: reader })).status, 200);
    oneLineError(await serve.api('POST', '/api/v1/sources', { token: reader, body: { db_type: 'postgresql', connection_string: pgUrl, tables: ['users'] } }), 403, /^authorization: .*read/);
    assert.deepEqual(await listSources(), []);
    // Open probes.
    assert.equal((await serve.api('GET', '/healthz')).status, 200);
    assert.equal((await serve.api('GET', '/readyz')).status, 200);
  });

  test('every bad registration is a 4xx naming the field, and creates nothing', async () => {
    const post = (body: unknown) => serve.api('POST', '/api/v1/sources', { token: admin, body });
    const pgObjects = await pgdb.objects();
    oneLineError(await post({ db_type: 'oracle', connection_string: pgUrl }), 400, /^body\.db_type: must be one of "postgresql", "mysql", "mariadb", "mongodb"$/);
    oneLineError(await post({ db_type: 'postgresql' }), 400, /^body\.connection_string: required/);
    oneLineError(await post({ db_type: 'postgresql', connection_string: 'not a url' }), 400, /^body\.connection_string: not a valid URL/);
    oneLineError(await post({ db_type: 'mysql', connection_string: pgUrl }), 400, /^body\.connection_string: .*not a mysql URL/);
    const unreachable = await post({ db_type: 'postgresql', connection_string: `postgres://postgres:${PASSWORD}@127.0.0.1:1/nowhere`, tables: ['users'] });
    oneLineError(unreachable, 400, /^body\.connection_string: cannot connect .*postgres:\*\*\*@127\.0\.0\.1:1/);
    oneLineError(await post({ db_type: 'postgresql', connection_string: pgUrl, tables: ['nope'] }), 400, /^body\.tables\.0: .*nope.* does not exist/);
    oneLineError(await post({ db_type: 'postgresql', connection_string: pgUrl, tables: ['users', 'keyless'] }), 400, /^body\.tables\.1: .*keyless has no primary key/);
    oneLineError(await post({ db_type: 'postgresql', connection_string: pgUrl, tables: ['users'], options: { tables: { users: { where: 'name ==' } } } }), 400, /^body\.options\.tables\.users\.where: /);
    oneLineError(await post({ db_type: 'postgresql', connection_string: pgUrl, tables: ['users'], options: { tables: { orders: {} } } }), 400, /^body\.options\.tables\.orders: not one of the listed tables/);
    oneLineError(await post({ db_type: 'postgresql', connection_string: pgUrl, tables: ['users'], options: { mode: 'wal' } }), 400, /^body\.options\.mode: must be one of "trigger", "log"/);
    oneLineError(await post({ db_type: 'postgresql', connection_string: pgUrl, tables: ['users'], extra: 1 }), 400, /^body\.extra: unknown field/);
    oneLineError(await serve.api('POST', '/api/v1/sources', { token: admin, raw: '{"db_type": "postgresql",' }), 400, /^body: malformed JSON/);
    const huge = JSON.stringify({ db_type: 'postgresql', connection_string: pgUrl, tables: ['users'], pad: 'x'.repeat(1024 * 1024) });
    oneLineError(await serve.api('POST', '/api/v1/sources', { token: admin, raw: huge }), 413, /^body: larger than 1048576 bytes/);
    assert.deepEqual(await listSources(), [], 'nothing registered');
    assert.deepEqual(await pgdb.objects(), pgObjects, 'nothing installed in the database');
  });

  test('a valid registration; the password is stored sealed and never returned; duplicates are 409', async () => {
    const created = await serve.api('POST', '/api/v1/sources', { token: admin, body: { db_type: 'postgresql', connection_string: pgUrl, tables: ['users', 'orders'], source_id: 'svc_api_pg' } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body, { source_id: 'svc_api_pg', status: 'ACTIVE' });
    const got = await serve.api('GET', '/api/v1/sources/svc_api_pg', { token: reader });
    assert.equal(got.status, 200);
    assert.equal(got.body.connection_string, pgUrl.replace(PASSWORD, '***'));
    assert.deepEqual(got.body.tables, ['public.users', 'public.orders']);
    assert.ok(!readFileSync(registry).includes(PASSWORD), 'the registry file holds no plaintext password');

    oneLineError(await serve.api('POST', '/api/v1/sources', { token: admin, body: { db_type: 'postgresql', connection_string: pgUrl, tables: ['orders'], source_id: 'svc_api_pg' } }), 409, /^body\.source_id: .*already registered/);
    oneLineError(await serve.api('POST', '/api/v1/sources', { token: admin, body: { db_type: 'postgresql', connection_string: pgUrl, tables: ['users'], source_id: 'svc_api_other' } }), 409, /^body\.tables: public\.users .*already registered by source "svc_api_pg"/);
    oneLineError(await serve.api('GET', '/api/v1/sources/nope', { token: admin }), 404, /^source_id: no source "nope"/);
    oneLineError(await serve.api('POST', '/api/v1/sources/nope/start', { token: admin }), 404, /^source_id: /);
    oneLineError(await serve.api('POST', '/api/v1/sources/svc_api_pg/stop', { token: admin }), 409, /^source_id: .*not started/);
    assert.equal((await listSources()).length, 1);
  });

  test('a MariaDB source registers with install: true, which installs its triggers at once', async () => {
    const created = await serve.api('POST', '/api/v1/sources', { token: admin, body: { db_type: 'mariadb', connection_string: mydb.url, tables: ['items'], install: true, source_id: 'svc_api_my' } });
    assert.equal(created.status, 201, created.text);
    const objects = await mydb.objects();
    assert.ok(objects.some((o) => /trigger/i.test(o) && /items/.test(o)), `triggers installed: ${objects.join(', ')}`);
  });

  test('starting a started source is 409', async () => {
    const started = await serve.api('POST', '/api/v1/sources/svc_api_pg/start', { token: admin });
    assert.equal(started.status, 200, started.text);
    assert.equal(started.body.status, 'STARTED');
    assert.deepEqual(Object.keys(started.body.checkpoint).sort(), ['public.orders', 'public.users']);
    oneLineError(await serve.api('POST', '/api/v1/sources/svc_api_pg/start', { token: admin }), 409, /^source_id: .*already started/);
    const stopped = await serve.api('POST', '/api/v1/sources/svc_api_pg/stop', { token: admin });
    assert.deepEqual(stopped.body, { status: 'STOPPED' });
  });

  test('consumers: validation, topic cdc.consumer.<id>, registry rows, delete', async () => {
    const post = (body: unknown) => serve.api('POST', '/api/v1/consumers', { token: admin, body });
    oneLineError(await post({ source_id: 'nope' }), 404, /^body\.source_id: no source "nope"/);
    oneLineError(await post({ source_id: 'svc_api_pg', operation_filter: ['MERGE'] }), 400, /^body\.operation_filter\.0: must be one of "INSERT", "UPDATE", "DELETE"/);
    oneLineError(await post({ source_id: 'svc_api_pg', table_filter: ['public.nope'] }), 400, /^body\.table_filter\.0: "public\.nope" is not a table of source svc_api_pg/);
    oneLineError(await post({ source_id: 'svc_api_pg', column_filter: [''] }), 400, /^body\.column_filter\.0: /);
    assert.deepEqual((await serve.api('GET', '/api/v1/consumers', { token: admin })).body, []);

    const made = await post({ source_id: 'svc_api_pg', table_filter: ['public.users'], column_filter: ['name'], operation_filter: ['INSERT', 'DELETE'] });
    assert.equal(made.status, 201, made.text);
    assert.match(made.body.consumer_id, /^c[0-9a-f]{12}$/);
    assert.equal(made.body.kafka_topic, `cdc.consumer.${made.body.consumer_id}`);
    const got = await serve.api('GET', `/api/v1/consumers/${made.body.consumer_id}`, { token: reader });
    assert.deepEqual(
      { ...got.body, created_at: undefined },
      { consumer_id: made.body.consumer_id, source_id: 'svc_api_pg', kafka_topic: made.body.kafka_topic, table_filter: ['public.users'], column_filter: ['name'], operation_filter: ['INSERT', 'DELETE'], created_at: undefined },
    );
    oneLineError(await serve.api('DELETE', '/api/v1/sources/svc_api_pg', { token: admin }), 409, /^source_id: consumer .* reads this source/);
    oneLineError(await serve.api('DELETE', `/api/v1/consumers/${made.body.consumer_id}?delete_topic=maybe`, { token: admin }), 400, /^query\.delete_topic: must be one of "true", "false"/);
    assert.deepEqual((await serve.api('DELETE', `/api/v1/consumers/${made.body.consumer_id}`, { token: admin })).body, { deleted: true });
    oneLineError(await serve.api('GET', `/api/v1/consumers/${made.body.consumer_id}`, { token: admin }), 404, /^consumer_id: /);
    assert.deepEqual((await serve.api('DELETE', '/api/v1/sources/svc_api_pg', { token: admin })).body, { deleted: true });
  });

  test('the served OpenAPI document is the committed docs/openapi.json', async () => {
    const served = await serve.api('GET', '/api/v1/openapi.json');
    assert.equal(served.status, 200);
    const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    assert.deepEqual(served.body, committed, 'regenerate with: node bin/cdc.js serve --print-openapi > docs/openapi.json');
    assert.equal(served.body.openapi, '3.1.0');
    assert.ok(served.body.paths['/api/v1/sources/{id}/start'].post);
  });

  test('--health-listen moves the probes to their own address', async () => {
    const health = await freePort();
    const other = await startServe(registry, ['--health-listen', `127.0.0.1:${health}`], {}, `http://127.0.0.1:${health}/healthz`);
    try {
      assert.equal((await fetch(`http://127.0.0.1:${health}/healthz`)).status, 200);
      assert.equal((await other.api('GET', '/healthz')).status, 404);
    } finally {
      assert.equal(await other.stop(), 0);
    }
  });

  test('a PostgreSQL registry without a key refuses to start, in one line', async () => {
    const run = startCli(['serve', '--registry', pgdb.url, '--kafka', KAFKA_BROKERS.join(','), '--listen', `127.0.0.1:${await freePort()}`], { CDC_REGISTRY_KEY: '' });
    const code = await run.exited;
    assert.equal(code, 1);
    assert.match(run.stderr, /^cdc: a PostgreSQL\/MySQL registry needs a key: set CDC_REGISTRY_KEY or --registry-key-file/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});
