import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';

/** Server for the MongoDB tests (mongo-java-server from `npm run services`, or a real replica set). */
export const MONGO_TEST_SERVER = process.env.CDC_TEST_MONGO ?? 'mongodb://127.0.0.1:27017';

export interface MongoTestDatabase {
  name: string;
  /** mongodb://…/cdc_test_<random>: the URL cdc is given. */
  url: string;
  client: MongoClient;
  db: Db;
  /** Collections and cdc's registrations/checkpoints, for "changed nothing" assertions. */
  objects(): Promise<string[]>;
  drop(): Promise<void>;
}

/** A fresh database per test file (graphile/worker style); mongo-java-server keeps it in memory until drop(). */
export async function createMongoTestDatabase(): Promise<MongoTestDatabase> {
  const name = `cdc_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const client = new MongoClient(MONGO_TEST_SERVER, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const db = client.db(name);
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(MONGO_TEST_SERVER);
  if (!m) throw new Error(`CDC_TEST_MONGO is not a mongodb:// URL: ${MONGO_TEST_SERVER}`);
  const url = `${m[1]}/${name}${m[2] ?? ''}`;
  return {
    name,
    url,
    client,
    db,
    async objects() {
      const names = (await db.listCollections().toArray()).map((c) => c.name).sort();
      const out = names.map((n) => `collection:${n}`);
      for (const n of ['cdc_captured', 'cdc_checkpoints']) {
        if (!names.includes(n)) continue;
        for (const d of await db.collection(n).find({}).toArray()) out.push(`${n}:${String(d._id)}`);
      }
      return out.sort();
    },
    async drop() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}
