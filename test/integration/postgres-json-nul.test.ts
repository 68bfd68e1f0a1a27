import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestDatabase, sleep, type TestDatabase } from '../helpers/postgres.js';

/**
 * Issue 11 item 2 (PostgreSQL): a `json` value holding the escape \u0000 is valid json and
 * PostgreSQL stores it, but the trigger's to_jsonb() could not convert it, so capture made the
 * application's INSERT fail. Images are json now (row_to_json): the write succeeds and the event
 * carries the value.
 */
let db: TestDatabase;
let c: pg.Client;

before(async () => {
  db = await createTestDatabase();
  c = await db.client();
});

after(async () => {
  await db?.drop();
});

test('a json value with \\u0000 is written as without cdc, and its event carries it', async () => {
  await c.query('CREATE TABLE notes (id int PRIMARY KEY, body json)');
  const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'notes']);
  assert.equal(installed.code, 0, installed.stderr);
  await c.query(`INSERT INTO notes VALUES (1, $1)`, ['{"text": "a\\u0000b"}']);
  await c.query(`INSERT INTO notes VALUES (2, $1)`, ['{"text": "plain"}']);
  const run = startCli(['run', '--source', db.url, '--table', 'notes', '--sink', 'stdout', '--schedule', '100ms']);
  let events: Array<{ after_data: { id: number; body: { text: string } } }> = [];
  try {
    const deadline = Date.now() + 30_000;
    while (events.length < 2) {
      assert.ok(Date.now() < deadline, `saw ${events.length} events; stderr: ${run.stderr}`);
      await sleep(200);
      events = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    }
  } finally {
    assert.equal(await run.stop(), 0, run.stderr);
  }
  assert.deepEqual(events.map((e) => [e.after_data.id, e.after_data.body.text]), [[1, 'a\u0000b'], [2, 'plain']]);
});
