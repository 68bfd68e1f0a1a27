import { sourceKind } from '../core/database-url.js';
import { UserInputError } from '../core/errors.js';
import type { SourceDatabase } from '../core/source-database.js';
import { redactUrl } from '../logging.js';

/**
 * Opens the adapter for a `--source` URL. Adapters are imported lazily so a PostgreSQL user never
 * loads mysql2 and the other way round.
 */
export async function openSourceDatabase(url: string): Promise<SourceDatabase> {
  switch (sourceKind(url)) {
    case 'postgres': {
      const { openPostgres } = await import('../../adapters/postgres/index.js');
      return openPostgres(url);
    }
    case 'mysql': {
      const { openMysql } = await import('../../adapters/mysql/index.js');
      return openMysql(url);
    }
    case 'mongodb': {
      const { openMongo } = await import('../../adapters/mongodb/index.js');
      return openMongo(url);
    }
    case 'pglite': {
      const { openPglite } = await import('../../adapters/postgres/index.js');
      return openPglite(url);
    }
    default:
      throw new UserInputError(
        `unsupported source URL ${JSON.stringify(redactUrl(url))}: expected postgres://, postgresql://, mysql://, mariadb://, mongodb://, mongodb+srv:// or pglite://`,
      );
  }
}
