import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { runCli, withCdcRun } from '../helpers/cli.js';

/**
 * Issue 11 item 9: with more than 10 tables `cdc run` printed MaxListenersExceededWarning (every
 * table's timers listen on the one shutdown signal). 14 tables, one change each, via stdout.
 */
const TABLES = 14;

for (const dialect of DIALECTS) {
  describe(`many tables (${dialect.name})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await dialect.create();
      for (let i = 0; i < TABLES; i++) await db.exec(`CREATE TABLE t${i} (id int PRIMARY KEY)`);
      const r = await runCli(['install-triggers', '--source', db.url, '--table', Array.from({ length: TABLES }, (_, i) => `t${i}`).join(',')]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => db?.drop());

    test(`${TABLES} tables run without a listener-leak warning`, async () => {
      await withCdcRun(['run', '--source', db.url, '--sink', 'stdout', '--schedule', '20ms'], async (run) => {
        for (let i = 0; i < TABLES; i++) await db.exec(`INSERT INTO t${i} VALUES (1)`);
        for (const t0 = Date.now(); run.stdout.trim().split('\n').filter(Boolean).length < TABLES && Date.now() - t0 < 30_000; ) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(run.stdout.trim().split('\n').length, TABLES, run.stderr.slice(-2000));
        // Let every table sleep and retry a few rounds.
        await new Promise((r) => setTimeout(r, 1000));
        assert.doesNotMatch(run.stderr, /MaxListenersExceededWarning|Warning:/);
      });
    });
  });
}
