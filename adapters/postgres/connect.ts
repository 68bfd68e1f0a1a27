import { TransientError, UserInputError } from '../../src/core/errors.js';
import { redactUrl } from '../../src/logging.js';
import type { PgDriver } from './driver.js';
import { isTransientPgError, oneLine, pgErrorCode } from './errors.js';
import { poolDriver } from './pool-driver.js';
import { pgConnectionConfig } from './tls.js';

/**
 * Opens a pool for a `postgres://` URL and proves it works with one query, so a wrong password or
 * an unreachable server fails here with one line that names the (redacted) URL, not later inside
 * a pipeline. Wrong credentials or a missing database are the user's to fix; the rest may pass.
 */
export async function connectPool(url: string): Promise<{ driver: PgDriver; databaseName: string; defaultSchema: string }> {
  const where = redactUrl(url);
  const driver = poolDriver({ ...pgConnectionConfig(url), connectionTimeoutMillis: 10_000 });
  try {
    const { rows } = await driver.query<{ db: string; schema: string | null }>('SELECT current_database() AS db, current_schema() AS schema');
    return { driver, databaseName: rows[0]!.db, defaultSchema: rows[0]!.schema ?? 'public' };
  } catch (err) {
    await driver.end().catch(() => undefined);
    const message = `cannot connect to PostgreSQL at ${where}: ${oneLine(err)}`;
    const code = pgErrorCode(err);
    if (code === '28P01' || code === '28000' || code === '3D000' || code === '42501') throw new UserInputError(message, { cause: err });
    if (isTransientPgError(err) || code === 'ENOTFOUND') throw new TransientError(message, { cause: err });
    throw new UserInputError(message, { cause: err });
  }
}
