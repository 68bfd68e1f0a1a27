import { sourceKind } from '../core/database-url';
import { UserInputError } from '../core/errors';
import type { SourceDatabase } from '../core/source-database';
import { redactUrl } from '../logging';

/**
 * Opens the adapter for a `--source` URL. Adapters are imported lazily so a PostgreSQL user never
 * loads mysql2 and the other way round.
 */
export async function openSourceDatabase(url: string): Promise<SourceDatabase> {
  switch (sourceKind(url)) {
    case 'postgres': {
      const { openPostgres } = await import('../../adapters/postgres');
      return openPostgres(url);
    }
    case 'mysql': {
      const { openMysql } = await import('../../adapters/mysql');
      return openMysql(url);
    }
    case 'mongodb': {
      const { openMongo } = await import('../../adapters/mongodb');
      return openMongo(url);
    }
    case 'pglite': {
      const { openPglite } = await import('../../adapters/postgres');
      return openPglite(url);
    }
    default:
      throw new UserInputError(
        `unsupported source URL ${JSON.stringify(redactUrl(url))}: expected postgres://, postgresql://, mysql://, mariadb://, mongodb://, mongodb+srv:// or pglite://`,
      );
  }
}
