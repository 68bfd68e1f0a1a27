import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createToken, startServe } from '../helpers/serve.js';
import { consumeAll, uniqueId } from '../helpers/kafka.js';
import { sleep } from '../helpers/postgres.js';

/**
 * Two `cdc serve` processes on one PostgreSQL registry. A source started through either runs in
 * both (each process's reconcile loop starts what the registry says is started), and the per-table
 * advisory lock capture takes at open leaves one drainer per table: no change is delivered twice.
 * When the draining process stops, the other takes the table over.
 */
describe('two cdc serve processes on one PostgreSQL registry', () => {
  let src: TestDatabase;
  let reg: TestDatabase;
  let a: Awaited<ReturnType<typeof startServe>>;
  let b: Awaited<ReturnType<typeof startServe>>;
  let token: string;
  const env = { CDC_REGISTRY_KEY: randomBytes(32).toString('base64') };
  const sid = uniqueId('svctwo');
  const topic = `cdc.${sid}.public.items`;

  before(async () => {
    src = await createPostgresDatabase();
    reg = await createPostgresDatabase();
    await src.exec('CREATE TABLE items (id int PRIMARY KEY, name text)');
    token = await createToken(reg.url, 'admin', env);
    [a, b] = await Promise.all([startServe(reg.url, [], env), startServe(reg.url, [], env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await src?.drop();
    await reg?.drop();
  });

  test('one drainer per table; every change once; the other process takes over', async () => {
    const created = await a.api('POST', '/api/v1/sources', { token, body: { db_type: 'postgresql', connection_string: src.url, tables: ['items'], source_id: sid } });
    assert.equal(created.status, 201, created.text);
    // A concurrent start on both: the registry row is claimed by exactly one.
    const starts = await Promise.all([a.api('POST', `/api/v1/sources/${sid}/start`, { token }), b.api('POST', `/api/v1/sources/${sid}/start`, { token })]);
    assert.deepEqual(starts.map((r) => r.status).sort(), [200, 409], starts.map((r) => r.text).join(' | '));

    // Both processes now run the source (the reconcile loop), one of them holding the table.
    const capturing = () => [a, b].map((p) => (p.proc.stderr.match(/"msg":"capturing"/g) ?? []).length);
    for (let i = 0; i < 100 && capturing().reduce((x, y) => x + y) < 1; i++) await sleep(100);
    await sleep(3000);
    assert.deepEqual(capturing().sort(), [0, 1], 'exactly one process drains the table');

    for (let i = 0; i < 10; i++) await src.exec(`INSERT INTO items SELECT g, 'n' FROM generate_series(${i * 20 + 1}, ${i * 20 + 20}) g`);
    const first = await consumeAll([topic], { until: (m) => m.length >= 200 });
    assert.equal(first.length, 200);

    // The drainer goes away; the other process, already waiting on the lock, takes over.
    const [drainer, other] = capturing()[0] === 1 ? [a, b] : [b, a];
    assert.equal(await drainer.stop(), 0);
    for (let i = 0; i < 100 && !/"msg":"capturing"/.test(other.proc.stderr); i++) await sleep(100);
    await src.exec(`INSERT INTO items SELECT g, 'n' FROM generate_series(201, 300) g`);
    await consumeAll([topic], { until: (m) => m.length >= 300 });
    await sleep(1500);
    const all = await consumeAll([topic], { idleMs: 1500 });
    assert.equal(all.length, 300);
    assert.equal(new Set(all.map((m) => m.value.event_id)).size, 300, 'no change delivered twice');
    const status = await other.api('GET', `/api/v1/sources/${sid}/status`, { token });
    assert.equal(status.body.tables[0].backlog, 0);
    // Restart the stopped one so after() can stop both.
    if (drainer === a) a = await startServe(reg.url, [], env);
    else b = await startServe(reg.url, [], env);
  });
});
