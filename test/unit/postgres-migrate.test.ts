import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertKnownMigrations, loadMigrations, runMigrations, type Migration, type MigrationDriver } from '../../src/core/migrate.js';

/** An in-memory driver: `peek` is what the lock-free read sees; `migrate` records the call. */
function fakeDriver(peek: string[] | null, applies: string[] = []) {
  const calls: string[] = [];
  const driver: MigrationDriver = {
    async peekApplied() {
      calls.push('peek');
      return peek;
    },
    async migrate(ms) {
      calls.push(`migrate ${ms.length}`);
      return applies;
    },
  };
  return { driver, calls };
}

const M = (version: number): Migration => ({ version, name: `m${version}`, file: `00${version}_m${version}.sql`, sql: `-- ${version}` });

describe('migrate runner (generic)', () => {
  it('skips the lock when everything is applied', async () => {
    const { driver, calls } = fakeDriver(['001_m1.sql', '002_m2.sql']);
    assert.deepEqual(await runMigrations(driver, [M(1), M(2)]), []);
    assert.deepEqual(calls, ['peek']);
  });

  it('migrates under the lock when something is missing, or nothing is recorded yet', async () => {
    const partly = fakeDriver(['001_m1.sql'], ['002_m2.sql']);
    assert.deepEqual(await runMigrations(partly.driver, [M(1), M(2)]), ['002_m2.sql']);
    assert.deepEqual(partly.calls, ['peek', 'migrate 2']);
    const fresh = fakeDriver(null, ['001_m1.sql']);
    assert.deepEqual(await runMigrations(fresh.driver, [M(1)]), ['001_m1.sql']);
    assert.deepEqual(fresh.calls, ['peek', 'migrate 1']);
  });

  it('leaves a database that knows more than the code to the locked path, which refuses it', async () => {
    const { driver, calls } = fakeDriver(['001_m1.sql', '007_m7.sql']);
    await runMigrations(driver, [M(1)]);
    assert.deepEqual(calls, ['peek', 'migrate 1']);
  });

  it('refuses a database newer than the code, by name or by old version number, in one line', () => {
    assert.throws(() => assertKnownMigrations(['001_m1.sql', '007_m7.sql'], [M(1)]), /^Error: the database has cdc migration\(s\) 7 that this version of cdc does not know; upgrade cdc$/);
    assert.throws(() => assertKnownMigrations([1, 7, 8], [M(1)]), /migration\(s\) 7, 8 .* upgrade cdc/);
    assert.throws(() => assertKnownMigrations(['odd'], [M(1)]), /migration\(s\) odd /);
    assert.doesNotThrow(() => assertKnownMigrations(['001_m1.sql', 2], [M(1), M(2)]));
  });

  it('loads NNN_name.sql files in version order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cdc-mig-'));
    await writeFile(join(dir, '010_later.sql'), 'b');
    await writeFile(join(dir, '002_first.sql'), 'a');
    await writeFile(join(dir, 'README.md'), 'ignored');
    const ms = await loadMigrations(dir);
    assert.deepEqual(ms.map((m) => [m.version, m.name, m.file, m.sql]), [[2, 'first', '002_first.sql', 'a'], [10, 'later', '010_later.sql', 'b']]);
    await writeFile(join(dir, '002_dup.sql'), 'c');
    await assert.rejects(loadMigrations(dir), /two migrations/);
  });
});
