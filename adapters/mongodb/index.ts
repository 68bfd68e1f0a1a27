import { parseMongoUrl } from './config.js';
import { connectMongo } from './connect.js';
import { MongoSourceDatabase } from './database.js';
import { OPLOG_SOURCE_DEFAULTS, type OplogSourceOptions } from './source.js';

export { MongoSourceDatabase } from './database.js';
export { bsonToJson, documentToJson } from './types/bson-json.js';

/**
 * MongoDB change-stream ("oplog") capture, from a `mongodb://` or `mongodb+srv://` URL that names a
 * database: mongodb://user:pass@host1,host2/shop?replicaSet=rs0. See docs/mongodb-oplog.md.
 */
export async function openMongo(url: string, options: Partial<OplogSourceOptions> = {}): Promise<MongoSourceDatabase> {
  const config = parseMongoUrl(url);
  const { client, server } = await connectMongo(config);
  return new MongoSourceDatabase(client, config.database, server, { ...OPLOG_SOURCE_DEFAULTS, ...options });
}
