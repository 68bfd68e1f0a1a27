import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './logger.js';

/**
 * Forward-only, numbered migrations of cdc's own objects (`migrations/<dialect>/NNN_name.sql`).
 * Two processes may start at once: the driver's lock serialises them, and the second one finds
 * everything applied. A database that is newer than this code (an unknown applied version) stops
 * the run instead of guessing.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The dialect's side of migrating; everything here runs while `lock()` is held. */
export interface MigrationDriver {
  /** Blocks until this process holds the database-wide migration lock; creates the bookkeeping table if missing. */
  lock(): Promise<void>;
  /** Releases the lock; called exactly once after a successful `lock()`, also when a migration failed. */
  unlock(): Promise<void>;
  appliedVersions(): Promise<number[]>;
  /** Runs one migration and records its version; atomically where the database has transactional DDL. */
  apply(version: number, sql: string): Promise<void>;
  /**
   * The applied versions read without the lock and without creating anything, or null when the
   * bookkeeping table does not exist yet. Lets a fully migrated database be used by a role that may
   * not create objects (a monitoring role running `cdc status`). Optional.
   */
  peekApplied?(): Promise<number[] | null>;
}

const FILE = /^(\d+)_([\w-]+)\.sql$/;

/** Reads `NNN_name.sql` files from a folder, ordered by version. Other files are ignored. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const out: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const m = FILE.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2]!, sql: await readFile(join(dir, file), 'utf8') });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.version === out[i - 1]!.version) throw new Error(`two migrations in ${dir} have version ${out[i]!.version}`);
  }
  return out;
}

/** Applies every migration not yet applied, in version order. Returns the versions it applied. */
export async function runMigrations(driver: MigrationDriver, migrations: Migration[], logger?: Logger): Promise<number[]> {
  const applied: number[] = [];
  const seen = await driver.peekApplied?.();
  if (seen) {
    const done = new Set(seen);
    // Versions only ever get added, so everything applied now stays applied: no lock needed.
    if (migrations.every((m) => done.has(m.version)) && seen.every((v) => migrations.some((m) => m.version === v))) return applied;
  }
  await driver.lock();
  try {
    const done = new Set(await driver.appliedVersions());
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new Error(
        `the database has cdc migration(s) ${unknown.join(', ')} that this version of cdc does not know; upgrade cdc`,
      );
    }
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await driver.apply(m.version, m.sql);
      applied.push(m.version);
      logger?.info({ version: m.version, name: m.name }, 'applied cdc migration');
    }
  } finally {
    await driver.unlock();
  }
  return applied;
}
