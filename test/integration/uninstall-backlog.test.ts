import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { runCli } from '../helpers/cli.js';

/**
 * Issue 11 item 9: `uninstall-triggers` with undelivered changes discarded them without a word.
 * It must refuse in one line and change nothing, unless --force; with an empty log it just works.
 */
for (const dialect of DIALECTS) {
  describe(`uninstall-triggers with a backlog (${dialect.name})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await dialect.create();
      await db.exec('CREATE TABLE pending (id int PRIMARY KEY)');
      await db.exec('CREATE TABLE empty (id int PRIMARY KEY)');
      const r = await runCli(['install-triggers', '--source', db.url, '--table', 'pending,empty']);
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => db?.drop());

    test('refuses while changes are undelivered; --force discards them', async () => {
      await db.exec('INSERT INTO pending VALUES (1), (2)');
      const before = await db.objects();
      const refused = await runCli(['uninstall-triggers', '--source', db.url, '--table', 'empty,pending']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, new RegExp(`^cdc: undelivered changes would be discarded: ${db.qualified('pending').replace('.', '\\.')} \\(2\\); .*--force`));
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.deepEqual(await db.objects(), before, 'nothing removed, not even the table without a backlog');

      const empty = await runCli(['uninstall-triggers', '--source', db.url, '--table', 'empty']);
      assert.equal(empty.code, 0, empty.stderr);
      const forced = await runCli(['uninstall-triggers', '--source', db.url, '--table', 'pending', '--force']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, /^uninstalled: /);
    });
  });
}
