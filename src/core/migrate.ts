import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './logger.js';

/**
 * Forward-only, numbered migrations of cdc's own objects (`migrations/<dialect>/NNN_name.sql`).
 * The SQL files are the source of truth; applying them and recording what was applied is knex's
 * migrator's job (adapters/knex/), under a database lock of cdc's own so that two processes
 * starting at once both succeed. A database that is newer than this code (an unknown applied
 * migration) stops the run instead of guessing.
 */
export interface Migration {
  version: number;
  name: string;
  /** The file name (`001_initial.sql`): the name knex records as applied. */
  file: string;
  sql: string;
}

/** The dialect's side of migrating. */
export interface MigrationDriver {
  /**
   * The applied migrations (file names) read without a lock and without creating anything, or null
   * when nothing is recorded yet. Lets a fully migrated database be used by a role that may not
   * create objects (a monitoring role running `cdc status`). Optional.
   */
  peekApplied?(): Promise<string[] | null>;
  /**
   * Takes the database-wide migration lock (waiting for another process's run), applies what is
   * missing and releases the lock, also when a migration failed. Returns the files it applied.
   */
  migrate(migrations: Migration[]): Promise<string[]>;
}

const FILE = /^(\d+)_([\w-]+)\.sql$/;

/** Reads `NNN_name.sql` files from a folder, ordered by version. Other files are ignored. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const out: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const m = FILE.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2]!, file, sql: await readFile(join(dir, file), 'utf8') });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.version === out[i - 1]!.version) throw new Error(`two migrations in ${dir} have version ${out[i]!.version}`);
  }
  return out;
}

/**
 * Refuses a database that records migrations this code does not have (it was migrated by a newer
 * cdc). Run under the migration lock before anything is applied; `applied` are file names, or
 * versions from the bookkeeping table of releases before knex.
 */
export function assertKnownMigrations(applied: ReadonlyArray<string | number>, migrations: Migration[]): void {
  const files = new Set(migrations.map((m) => m.file));
  const versions = new Set(migrations.map((m) => m.version));
  const unknown = applied.filter((a) => (typeof a === 'number' ? !versions.has(a) : !files.has(a)));
  if (unknown.length === 0) return;
  // Shown as versions where the name has one, as releases before knex did.
  const shown = unknown.map((a) => {
    const m = typeof a === 'string' ? FILE.exec(a) : null;
    return m ? Number(m[1]) : a;
  });
  throw new Error(`the database has cdc migration(s) ${shown.join(', ')} that this version of cdc does not know; upgrade cdc`);
}

/** Applies every migration not yet applied, in version order. Returns the files it applied. */
export async function runMigrations(driver: MigrationDriver, migrations: Migration[], logger?: Logger): Promise<string[]> {
  const seen = await driver.peekApplied?.();
  if (seen) {
    const done = new Set(seen);
    const known = new Set(migrations.map((m) => m.file));
    // Migrations only ever get added, so everything applied now stays applied: no lock needed.
    if (migrations.every((m) => done.has(m.file)) && seen.every((f) => known.has(f))) return [];
  }
  const applied = await driver.migrate(migrations);
  for (const file of applied) {
    const m = migrations.find((x) => x.file === file);
    logger?.info({ version: m?.version, name: m?.name ?? file }, 'applied cdc migration');
  }
  return applied;
}
