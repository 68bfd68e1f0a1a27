import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestDatabase, type MysqlTestDatabase } from '../helpers/mysql.js';
import { sleep } from '../helpers/postgres.js';

/**
 * Issue 11 item 2 (MariaDB): a row whose JSON image passes max_allowed_packet (the probe: a 10 MB
 * text and an 8 MB blob under the default 16 MB) made the application's own INSERT fail inside the
 * trigger. The trigger now logs such a row by key only; the change follows the oversize policy.
 */
let db: MysqlTestDatabase;

before(async () => {
  db = await createTestDatabase();
});

after(async () => {
  await db?.drop();
});

test("a row too large for an image: the application's write succeeds, the change follows the oversize policy, the rows behind it arrive", async () => {
  await db.exec('CREATE TABLE docs (id INT PRIMARY KEY, body LONGTEXT, blob_part LONGBLOB)');
  const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'docs']);
  assert.equal(installed.code, 0, installed.stderr);
  const [limit] = await db.query<{ m: string | number }>('SELECT @@max_allowed_packet AS m');
  const packet = Number(limit!.m);
  // Each value fits the packet on its own, together they do not (as in the probe).
  const text = Math.floor(packet * 0.6);
  const blob = Math.floor(packet * 0.5);
  await db.exec(`INSERT INTO docs VALUES (1, REPEAT('x', ${text}), REPEAT(X'ff', ${blob}))`);
  await db.exec(`INSERT INTO docs VALUES (2, 'small', X'00')`);
  const [stored] = await db.query<{ n: string | number }>('SELECT LENGTH(body) AS n FROM docs WHERE id = 1');
  assert.equal(Number(stored!.n), text, 'the large row is stored as written');

  const run = startCli(['run', '--source', db.url, '--table', 'docs', '--sink', 'stdout', '--schedule', '100ms', '--on-oversize', 'dead-letter']);
  try {
    const deadline = Date.now() + 30_000;
    while (!run.stdout.includes('"primary_key":{"id":2}') || !run.stderr.includes('"error":"undeliverable"')) {
      assert.ok(Date.now() < deadline, `stdout: ${run.stdout.slice(0, 500)} stderr: ${run.stderr.slice(0, 2000)}`);
      await sleep(200);
    }
  } finally {
    assert.equal(await run.stop(), 0, run.stderr.slice(0, 2000));
  }
  const rejected = run.stderr
    .split('\n')
    .filter((l) => l.includes('"error":"undeliverable"'))
    .map((l) => JSON.parse(l) as { primary_key: Record<string, unknown>; reason: string });
  assert.equal(rejected.length, 1);
  assert.deepEqual(rejected[0]!.primary_key, { id: 1 });
  assert.match(rejected[0]!.reason, /more than half the server's max_allowed_packet, so only its key was logged/);
  const events = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { primary_key: { id: number } });
  assert.deepEqual(events.map((e) => e.primary_key.id), [2]);

  // A snapshot copies such a row by key only too, instead of failing its chunk on every retry.
  const snap = await runCli(['snapshot', '--source', db.url, '--table', 'docs']);
  assert.equal(snap.code, 0, snap.stderr);
  const again = startCli(['run', '--source', db.url, '--table', 'docs', '--sink', 'stdout', '--schedule', '100ms', '--on-oversize', 'dead-letter']);
  try {
    const deadline = Date.now() + 30_000;
    while (!again.stdout.includes('"operation":"SNAPSHOT"') || !/"error":"undeliverable".*"operation":"SNAPSHOT"/.test(again.stderr)) {
      assert.ok(Date.now() < deadline, `stdout: ${again.stdout.slice(0, 500)} stderr: ${again.stderr.slice(0, 2000)}`);
      await sleep(200);
    }
  } finally {
    assert.equal(await again.stop(), 0, again.stderr.slice(0, 2000));
  }
  const snapshotDead = again.stderr.split('\n').filter((l) => l.includes('"error":"undeliverable"')).map((l) => JSON.parse(l) as { primary_key: unknown; operation: string });
  assert.deepEqual(snapshotDead.map((d) => [d.operation, d.primary_key]), [['SNAPSHOT', { id: 1 }]]);

  // With the default policy the table stops with one line naming table and key.
  await db.exec(`UPDATE docs SET body = CONCAT(body, 'y') WHERE id = 1`);
  const stopped = await runCli(['run', '--source', db.url, '--table', 'docs', '--sink', 'stdout', '--schedule', '100ms'], {}, 60_000);
  assert.notEqual(stopped.code, 0);
  assert.match(stopped.stderr, /docs.*\{"id":1\}|\{"id":1\}.*docs/);
});
