import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createToken, startServe, tempRegistry } from '../helpers/serve.js';
import { consumeAll, uniqueId } from '../helpers/kafka.js';
import { dropSlotsOf } from '../helpers/postgres-wal.js';

/** A table registered with mode "log": start moves it to WAL capture through cdc upgrade's switch. */
describe('cdc serve: a table in log mode (PostgreSQL WAL)', () => {
  let src: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let token: string;
  const registry = tempRegistry();
  const sid = uniqueId('svcwal');

  before(async () => {
    src = await createPostgresDatabase();
    await src.exec('CREATE TABLE items (id int PRIMARY KEY, name text)');
    await src.exec('CREATE TABLE plain (id int PRIMARY KEY)');
    token = await createToken(registry, 'admin');
    serve = await startServe(registry);
  });
  after(async () => {
    const code = await serve?.stop();
    if (src) await dropSlotsOf(src.name);
    await src?.drop();
    assert.equal(code, 0, serve?.proc.stderr);
  });
  const api = (method: string, path: string, body?: unknown) => serve.api(method, path, { token, body });

  test('start installs, switches the log-mode table to wal, and its changes flow from the WAL', async () => {
    const created = await api('POST', '/api/v1/sources', { db_type: 'postgresql', connection_string: src.url, tables: ['items', 'plain'], source_id: sid, options: { tables: { items: { mode: 'log' } } } });
    assert.equal(created.status, 201, created.text);
    // WAL capture needs full before images: the database's precondition comes back as a 400.
    const refused = await api('POST', `/api/v1/sources/${sid}/start`);
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.body.error, /^source_id: cannot start .*REPLICA IDENTITY FULL/);
    assert.equal((await api('GET', `/api/v1/sources/${sid}`)).body.status, 'ACTIVE', 'not started');
    await src.exec('ALTER TABLE items REPLICA IDENTITY FULL');
    const started = await api('POST', `/api/v1/sources/${sid}/start`);
    assert.equal(started.status, 200, started.text);
    const status = (await api('GET', `/api/v1/sources/${sid}/status`)).body;
    assert.deepEqual(status.tables.map((t: any) => [t.table, t.mode]), [['public.items', 'wal'], ['public.plain', 'trigger']]);
    await src.exec("INSERT INTO items SELECT g, 'n' FROM generate_series(1, 10) g");
    await src.exec('INSERT INTO plain SELECT generate_series(1, 5)');
    const events = await consumeAll([`cdc.${sid}.public.items`, `cdc.${sid}.public.plain`], { until: (m) => m.length >= 15 });
    assert.deepEqual(events.filter((m) => m.topic.endsWith('items')).map((m) => m.value.source.mode), Array(10).fill('wal'));
    assert.deepEqual(events.filter((m) => m.topic.endsWith('plain')).map((m) => m.value.source.mode), Array(5).fill('trigger'));
    assert.deepEqual((await api('POST', `/api/v1/sources/${sid}/stop`)).body, { status: 'STOPPED' });
  });
});
