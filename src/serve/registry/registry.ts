import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { ConfigError } from '../../core/errors.js';
import { redactUrl } from '../../logging.js';
import { migrationSource } from './migrations.js';

/**
 * Where the registry lives: an SQLite file path (the default, one machine, no server), or a
 * postgres:// / mysql:// URL for production and for several `cdc serve` processes.
 */
export function registryConnection(location: string): Knex.Config {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    return { client: 'pg', connection: location, pool: { min: 0, max: 5 } };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    return { client: 'mysql2', connection: location.replace(/^mariadb:/i, 'mysql:'), pool: { min: 0, max: 5 } };
  }
  if (scheme !== undefined) {
    throw new ConfigError(`--registry ${JSON.stringify(redactUrl(location))}: expected an SQLite file path, postgres://… or mysql://…`);
  }
  mkdirSync(dirname(location), { recursive: true });
  return {
    client: 'better-sqlite3',
    connection: { filename: location },
    useNullAsDefault: true,
    // SQLite enforces foreign keys only when asked, per connection.
    pool: { afterCreate: (conn: { pragma(s: string): void }, done: (err: Error | null, c: unknown) => void) => {
      conn.pragma('foreign_keys = ON');
      conn.pragma('busy_timeout = 5000');
      done(null, conn);
    } },
  };
}

export function isSqliteRegistry(location: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/** Opens the registry and brings its schema up to date (knex migrations). */
export async function openRegistry(location: string): Promise<Knex> {
  const db = knexFactory(registryConnection(location));
  try {
    await db.migrate.latest({ migrationSource, tableName: 'cdc_registry_migrations' });
  } catch (err) {
    await db.destroy();
    throw new ConfigError(`cannot open the registry ${redactUrl(location)}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

/** Unique-key violations of the three registry databases: a concurrent duplicate insert. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'ER_DUP_ENTRY' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
