import { MongoAPIError, MongoClient, MongoParseError, MongoServerError, type Document } from 'mongodb';
import { TransientError, UserInputError } from '../../src/core/errors.js';
import type { MongoConfig } from './config.js';
import { classify, oneLine } from './errors.js';

/** Facts about the server, from the handshake command. */
export interface MongoServerInfo {
  /** 9 = MongoDB 4.4, 17 = 6.0 (pre-images), 21 = 7.0. mongo-java-server reports what it is told (9 here). */
  maxWireVersion: number;
  /** The server's clock at connect time. */
  localTime: Date | null;
  /** Set on replica-set members; mongo-java-server leaves it out. */
  setName: string | null;
}

/** MongoDB 6.0: change streams can return stored pre-images (`fullDocumentBeforeChange`). */
export const WIRE_VERSION_PRE_IMAGES = 17;

/**
 * Connects and proves the server answers, so a wrong host or password fails here with one line
 * naming the (redacted) URL instead of later inside a pipeline. An unreachable server is transient
 * (`cdc run` retries it until --connect-timeout); a malformed URL or bad credentials are not.
 */
export async function connectMongo(config: MongoConfig): Promise<{ client: MongoClient; server: MongoServerInfo }> {
  let client: MongoClient;
  try {
    client = new MongoClient(config.url, config.clientOptions);
  } catch (err) {
    throw new UserInputError(`invalid MongoDB URL ${JSON.stringify(config.shown)}: ${oneLine(err)}`, { cause: err });
  }
  try {
    await client.connect();
    return { client, server: toServerInfo(await handshake(client, config.database)) };
  } catch (err) {
    await client.close().catch(() => undefined);
    const where = `cannot connect to MongoDB at ${config.hosts}`;
    // Parse and argument errors (some only show at connect, e.g. a bad SRV record) are the URL's fault;
    // a DNS failure (a plain Error "querySrv ENOTFOUND …") may be a resolver outage, so it is retried.
    if (err instanceof MongoParseError || err instanceof MongoAPIError) {
      throw new UserInputError(`invalid MongoDB URL ${JSON.stringify(config.shown)}: ${oneLine(err)}`, { cause: err });
    }
    const mapped = classify(err, where);
    if (mapped !== err) throw mapped;
    if (err instanceof MongoServerError) throw new UserInputError(`${where}: ${oneLine(err)}`, { cause: err });
    throw new TransientError(`${where}: ${oneLine(err)}`, { cause: err });
  }
}

/**
 * `hello` is the current name; servers before 4.4.2 and mongo-java-server only know `isMaster`
 * (MongoDB 8 still accepts it), so fall back on "command not found".
 */
export async function handshake(client: MongoClient, database: string): Promise<Document> {
  const db = client.db(database);
  try {
    return await db.command({ hello: 1 });
  } catch (err) {
    if (err instanceof MongoServerError && (err.code === 59 || /no such command/i.test(err.message))) return db.command({ isMaster: 1 });
    throw err;
  }
}

function toServerInfo(reply: Document): MongoServerInfo {
  return {
    maxWireVersion: Number(reply.maxWireVersion ?? 0),
    localTime: reply.localTime instanceof Date ? reply.localTime : null,
    setName: typeof reply.setName === 'string' ? reply.setName : null,
  };
}
