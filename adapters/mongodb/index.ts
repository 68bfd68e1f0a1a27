import { parseMongoUrl } from './config';
import { connectMongo } from './connect';
import { MongoSourceDatabase } from './database';
import { OPLOG_SOURCE_DEFAULTS, type OplogSourceOptions } from './source';

export { MongoSourceDatabase } from './database';
export { bsonToJson, documentToJson } from './types/bson-json';

/**
 * MongoDB change-stream ("oplog") capture, from a `mongodb://` or `mongodb+srv://` URL that names a
 * database: mongodb://user:pass@host1,host2/shop?replicaSet=rs0. See docs/mongodb-oplog.md.
 */
export async function openMongo(url: string, options: Partial<OplogSourceOptions> = {}): Promise<MongoSourceDatabase> {
  const config = parseMongoUrl(url);
  const { client, server } = await connectMongo(config);
  return new MongoSourceDatabase(client, config.database, server, { ...OPLOG_SOURCE_DEFAULTS, ...options });
}
