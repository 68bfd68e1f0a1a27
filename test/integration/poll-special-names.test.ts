import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { runCli, withCdcRun } from '../helpers/cli.js';

/**
 * Issue 11 item 1 in polling mode: a key column named "__proto__" (mysql2 refused such a result
 * column outright, closing the connection) and a "constructor" column must come through with
 * complete keys and images.
 */
const STATE = process.env.CDC_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';

for (const dialect of DIALECTS) {
  describe(`polling a table with JavaScript-special column names (${dialect.name})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await dialect.create();
      const stamp = dialect.name === 'postgres' ? 'timestamptz(6) NOT NULL DEFAULT now()' : 'datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)';
      await db.exec(`CREATE TABLE odd (${db.q('__proto__')} int PRIMARY KEY, ${db.q('constructor')} varchar(20), updated_at ${stamp})`);
    });
    after(async () => {
      const redis = new Redis(STATE);
      for (const k of await redis.keys(`cdc:{*${db.name}}:*`)) await redis.del(k);
      redis.disconnect();
      await db?.drop();
    });

    test('keys and images stay complete', async () => {
      const reg = await runCli(['install-poll', '--source', db.url, '--state', STATE, '--table', 'odd', '--column', 'updated_at', '--safety-lag', '100ms']);
      assert.equal(reg.code, 0, reg.stderr);
      await db.exec(`INSERT INTO odd (${db.q('__proto__')}, ${db.q('constructor')}) VALUES (7, 'a')`);
      const events = await withCdcRun(['run', '--source', db.url, '--state', STATE, '--sink', 'stdout', '--schedule', '50ms', '--log-level', 'warn'], async (run) => {
        for (const t0 = Date.now(); !run.stdout.includes('\n') && Date.now() - t0 < 20_000; ) await new Promise((r) => setTimeout(r, 100));
        return run.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      });
      assert.equal(events.length, 1, JSON.stringify(events));
      assert.equal(JSON.stringify(events[0].primary_key), '{"__proto__":7}');
      assert.ok(Object.hasOwn(events[0].after_data, '__proto__') && events[0].after_data.constructor === 'a', JSON.stringify(events[0].after_data));
    });
  });
}
