import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceLocks } from '../../adapters/postgres/locks.js';
import type { PgDriver, PgSession } from '../../adapters/postgres/driver.js';

/**
 * Issue 11 item 9: every shutdown released the shared lock session twice (two tables closing at
 * once each found themselves its last user). A fake driver counts releases per session.
 */
function fakeDriver() {
  const releases: number[] = [];
  const driver = {
    async dedicated(): Promise<PgSession> {
      const index = releases.push(0) - 1;
      return {
        lost: false,
        // Each query yields, so concurrent release() calls interleave as they do against a server.
        query: async <R,>() => {
          await new Promise((r) => setTimeout(r, 1));
          return { rows: [{ ok: true }] as R[] };
        },
        exec: async () => undefined,
        async release() {
          releases[index]!++;
          if (releases[index]! > 1) throw new Error('Release called on client which has already been released to the pool.');
        },
      };
    },
  } as unknown as PgDriver;
  return { driver, releases };
}

test('tables closing at the same time release the shared session once', async () => {
  const { driver, releases } = fakeDriver();
  const locks = new SourceLocks(driver);
  const owners = Array.from({ length: 12 }, () => ({}));
  for (const [i, o] of owners.entries()) await locks.ensure(`public.t${i}`, o);
  await Promise.all(owners.map((o, i) => locks.release(`public.t${i}`, o)));
  await locks.close();
  assert.deepEqual(releases, [1]);
});

test('close() while sources still close releases once', async () => {
  const { driver, releases } = fakeDriver();
  const locks = new SourceLocks(driver);
  const a = {};
  const b = {};
  await locks.ensure('public.a', a);
  await locks.ensure('public.b', b);
  await Promise.all([locks.release('public.a', a), locks.close(), locks.release('public.b', b)]);
  assert.deepEqual(releases, [1]);
});
