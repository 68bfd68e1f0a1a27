import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadMigrations, runMigrations, type MigrationDriver } from '../../src/core/migrate.js';

/** An in-memory driver that records the calls; `failOn` makes one version's apply throw. */
function fakeDriver(applied: number[], failOn?: number) {
  const calls: string[] = [];
  const driver: MigrationDriver = {
    async lock() {
      calls.push('lock');
    },
    async unlock() {
      calls.push('unlock');
    },
    async appliedVersions() {
      return [...applied];
    },
    async apply(version) {
      if (version === failOn) throw new Error(`boom ${version}`);
      calls.push(`apply ${version}`);
      applied.push(version);
    },
  };
  return { driver, calls };
}

const M = (version: number) => ({ version, name: `m${version}`, sql: `-- ${version}` });

describe('postgres migrate runner (generic)', () => {
  it('applies missing versions in order under the lock', async () => {
    const { driver, calls } = fakeDriver([1]);
    assert.deepEqual(await runMigrations(driver, [M(1), M(2), M(3)]), [2, 3]);
    assert.deepEqual(calls, ['lock', 'apply 2', 'apply 3', 'unlock']);
  });

  it('does nothing when everything is applied', async () => {
    const { driver, calls } = fakeDriver([1, 2]);
    assert.deepEqual(await runMigrations(driver, [M(1), M(2)]), []);
    assert.deepEqual(calls, ['lock', 'unlock']);
  });

  it('unlocks when a migration fails', async () => {
    const { driver, calls } = fakeDriver([], 2);
    await assert.rejects(runMigrations(driver, [M(1), M(2), M(3)]), /boom 2/);
    assert.deepEqual(calls, ['lock', 'apply 1', 'unlock']);
  });

  it('refuses a database newer than the code', async () => {
    const { driver } = fakeDriver([1, 7]);
    await assert.rejects(runMigrations(driver, [M(1)]), /migration\(s\) 7 .* upgrade cdc/);
  });

  it('loads NNN_name.sql files in version order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cdc-mig-'));
    await writeFile(join(dir, '010_later.sql'), 'b');
    await writeFile(join(dir, '002_first.sql'), 'a');
    await writeFile(join(dir, 'README.md'), 'ignored');
    const ms = await loadMigrations(dir);
    assert.deepEqual(ms.map((m) => [m.version, m.name, m.sql]), [[2, 'first', 'a'], [10, 'later', 'b']]);
    await writeFile(join(dir, '002_dup.sql'), 'c');
    await assert.rejects(loadMigrations(dir), /two migrations/);
  });
});
