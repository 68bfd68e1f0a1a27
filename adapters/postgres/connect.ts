import { TransientError, UserInputError } from '../../src/core/errors.js';
import { redactUrl } from '../../src/logging.js';
import type { PgDriver } from './driver.js';
import { isTransientPgError, oneLine, pgErrorCode } from './errors.js';
import { poolDriver } from './pool-driver.js';
import { assertSupportedServer, driverForServer, readServerVersion } from './server-version.js';
import { pgConnectionConfig } from './tls.js';

/**
 * Opens a pool for a `postgres://` URL and proves it works with one query, so a wrong password or
 * an unreachable server fails here with one line that names the (redacted) URL, not later inside
 * a pipeline. Wrong credentials or a missing database are the user's to fix; the rest may pass.
 */
export async function connectPool(url: string): Promise<{ driver: PgDriver; databaseName: string; defaultSchema: string }> {
  const where = redactUrl(url);
  const pool = poolDriver({ ...pgConnectionConfig(url), connectionTimeoutMillis: 10_000 });
  let facts;
  try {
    facts = await pool.query<{ db: string; schema: string | null }>('SELECT current_database() AS db, current_schema() AS schema');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw connectError(where, err);
  }
  // The version decides how cdc's SQL is spelled (server-version.ts); an unsupported one is refused
  // here, before any statement could fail on it halfway through an install.
  try {
    const version = await readServerVersion(pool);
    assertSupportedServer(version);
    return { driver: driverForServer(pool, version), databaseName: facts.rows[0]!.db, defaultSchema: facts.rows[0]!.schema ?? 'public' };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

function connectError(where: string, err: unknown): Error {
  const message = `cannot connect to PostgreSQL at ${where}: ${oneLine(err)}`;
  const code = pgErrorCode(err);
  if (code === '28P01' || code === '28000' || code === '3D000' || code === '42501') return new UserInputError(message, { cause: err });
  if (isTransientPgError(err) || code === 'ENOTFOUND') return new TransientError(message, { cause: err });
  return new UserInputError(message, { cause: err });
}
