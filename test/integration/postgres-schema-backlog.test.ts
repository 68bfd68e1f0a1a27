import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestDatabase, sleep, type TestDatabase } from '../helpers/postgres.js';

/**
 * Issue 11 item 8: with a backlog written across several ALTER TABLEs before cdc read it, every
 * event used to carry the final schema_version, and an image that still held a dropped column had
 * no version describing it. Now each event's version is one whose recorded columns are exactly the
 * event's columns, and versions never go backwards in the stream (docs/schema-tracking.md).
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

test('a backlog across ADD, DROP and RENAME COLUMN: each event carries the version of its own columns', async () => {
  await c.query('CREATE TABLE people (id int PRIMARY KEY, name text)');
  const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'people']);
  assert.equal(installed.code, 0, installed.stderr);
  await c.query(`INSERT INTO people VALUES (1, 'ann')`);
  await c.query('ALTER TABLE people ADD COLUMN email text');
  await c.query(`INSERT INTO people VALUES (2, 'bob', 'bob@x')`);
  await c.query('ALTER TABLE people DROP COLUMN name');
  await c.query(`INSERT INTO people VALUES (3, 'cy@x')`);
  await c.query('ALTER TABLE people RENAME COLUMN email TO mail');
  await c.query(`INSERT INTO people VALUES (4, 'di@x')`);

  const run = startCli(['run', '--source', db.url, '--table', 'people', '--sink', 'stdout', '--schedule', '100ms']);
  let events: Array<{ schema_version: number; after_data: Record<string, unknown> }> = [];
  try {
    const deadline = Date.now() + 30_000;
    while (events.length < 4) {
      assert.ok(Date.now() < deadline, `saw ${events.length} events; stderr: ${run.stderr}`);
      await sleep(200);
      events = run.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { schema_version: number; after_data: Record<string, unknown> });
    }
  } finally {
    assert.equal(await run.stop(), 0, run.stderr);
  }
  assert.deepEqual(
    events.map((e) => e.after_data),
    [{ id: 1, name: 'ann' }, { id: 2, name: 'bob', email: 'bob@x' }, { id: 3, email: 'cy@x' }, { id: 4, mail: 'di@x' }],
  );
  const versions = events.map((e) => e.schema_version);
  assert.deepEqual([...versions].sort((a, b) => a - b), versions, 'versions never go backwards');
  assert.equal(new Set(versions).size, 4, 'four column sets, four versions');

  const schema = await runCli(['schema', '--source', db.url, '--table', 'people', '--json']);
  assert.equal(schema.code, 0, schema.stderr);
  const history = (JSON.parse(schema.stdout) as { history: Array<{ version: number; columns: Array<{ name: string; type: string }> }> }).history;
  for (const e of events) {
    const v = history.find((h) => h.version === e.schema_version);
    assert.ok(v, `version ${e.schema_version} is recorded`);
    assert.deepEqual(v.columns.map((col) => col.name), Object.keys(e.after_data), `version ${e.schema_version} describes its event`);
  }
  // Types of columns gone from the catalog come from the versions recorded before; a column that
  // was added and renamed before anything was read has none, and its version says so.
  const withDropped = history.find((h) => h.version === events[1]!.schema_version)!;
  assert.deepEqual(
    withDropped.columns.map((col) => [col.name, col.type.replace(/^unknown.*/, 'unknown')]),
    [['id', 'integer'], ['name', 'text'], ['email', 'unknown']],
  );
});
