import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createToken, startServe, tempRegistry } from '../helpers/serve.js';
import { runCli } from '../helpers/cli.js';
import { uniqueId } from '../helpers/kafka.js';

/** `cdc sources|consumers|replays …` against a real `cdc serve`. */
describe('cdc sources / consumers / replays (API clients)', () => {
  let src: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  const registry = tempRegistry();
  const tokenFile = join(dirname(registry), 'token');
  const sid = uniqueId('svccli');

  before(async () => {
    src = await createPostgresDatabase();
    await src.exec('CREATE TABLE users (id int PRIMARY KEY, name text)');
    writeFileSync(tokenFile, (await createToken(registry, 'admin')) + '\n');
    serve = await startServe(registry);
  });
  after(async () => {
    const code = await serve?.stop();
    await src?.drop();
    assert.equal(code, 0, serve?.proc.stderr);
  });
  const cli = (...args: string[]) => runCli([...args, '--api', serve.base, '--token-file', tokenFile]);

  test('create, list, get, start, status, stop, consumers, replays', async () => {
    const created = await cli('sources', 'create', '--db-type', 'postgresql', '--source', src.url, '--table', 'users', '--source-id', sid);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(JSON.parse(created.stdout), { source_id: sid, status: 'ACTIVE' });
    const listed = await cli('sources', 'list');
    assert.deepEqual(JSON.parse(listed.stdout).map((s: any) => s.source_id), [sid]);
    assert.equal(JSON.parse((await cli('sources', 'get', sid)).stdout).tables[0], 'public.users');
    assert.equal(JSON.parse((await cli('sources', 'start', sid)).stdout).status, 'STARTED');
    assert.equal(JSON.parse((await cli('sources', 'status', sid)).stdout).tables[0].mode, 'trigger');
    const consumer = JSON.parse((await cli('consumers', 'create', '--source-id', sid, '--operation', 'INSERT,DELETE')).stdout);
    assert.equal(consumer.kafka_topic, `cdc.consumer.${consumer.consumer_id}`);
    assert.deepEqual(JSON.parse((await cli('consumers', 'get', consumer.consumer_id)).stdout).operation_filter, ['INSERT', 'DELETE']);
    assert.deepEqual(JSON.parse((await cli('consumers', 'delete', consumer.consumer_id)).stdout), { deleted: true });
    assert.deepEqual(JSON.parse((await cli('consumers', 'list')).stdout), []);
    assert.deepEqual(JSON.parse((await cli('replays', 'list')).stdout), []);
    assert.deepEqual(JSON.parse((await cli('sources', 'stop', sid)).stdout), { status: 'STOPPED' });
  });

  test('API errors and a missing token are one line and exit 1', async () => {
    const again = await cli('sources', 'stop', sid);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `cdc: 409: source_id: source "${sid}" is not started\n`);
    const none = await runCli(['sources', 'list', '--api', serve.base], { CDC_API_TOKEN: '' });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^cdc: missing token: --token-file <file> or CDC_API_TOKEN/);
    const wrong = await runCli(['sources', 'list', '--api', serve.base], { CDC_API_TOKEN: 'nope' });
    assert.equal(wrong.stderr, 'cdc: 401: authorization: unknown or invalid token\n');
  });
});
