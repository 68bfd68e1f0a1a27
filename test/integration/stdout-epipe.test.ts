import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { runCli, withCdcRun } from '../helpers/cli.js';

/**
 * Issue 11 item 9: `cdc run | head` crashed with an EPIPE stack trace. It must end with one line,
 * and the changes it could not write stay captured: a second run delivers every row.
 */
const BIN = fileURLToPath(new URL('../../bin/cdc.js', import.meta.url));
const ROWS = 5000;

describe('cdc run | head', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createPostgresDatabase();
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, v text)');
    const r = await runCli(['install-triggers', '--source', db.url, '--table', 't']);
    assert.equal(r.code, 0, r.stderr);
    await db.exec(`INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, ${ROWS}) g`);
  });
  after(async () => db?.drop());

  test('ends with one line on stderr; nothing is lost', async () => {
    const script = `"${process.execPath}" "${BIN}" run --source '${db.url}' --sink stdout --schedule 50ms --log-level warn | head -n 3 >/dev/null`;
    const child = spawn('bash', ['-c', `set -o pipefail; ${script}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(timer);
    assert.notEqual(code, null, 'cdc ended by itself');
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /^cdc: the output was closed by its reader \(EPIPE\)/);
    assert.doesNotMatch(stderr, /\bat \S+ \(/, 'no stack trace');

    const ids = new Set<number>();
    await withCdcRun(['run', '--source', db.url, '--sink', 'stdout', '--schedule', '50ms', '--log-level', 'warn'], async (run) => {
      for (const t0 = Date.now(); Date.now() - t0 < 30_000; ) {
        const complete = run.stdout.slice(0, run.stdout.lastIndexOf('\n') + 1);
        for (const line of complete.split('\n')) if (line) ids.add(JSON.parse(line).primary_key.id);
        if (ids.size === ROWS) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    });
    assert.equal(ids.size, ROWS, 'every row delivered by the second run');
  });
});
