import type { MongoClientOptions } from 'mongodb';
import { UserInputError } from '../../src/core/errors.js';
import { redactUrl } from '../../src/logging.js';

/** What cdc needs from a `mongodb://` / `mongodb+srv://` URL; the driver parses everything else. */
export interface MongoConfig {
  url: string;
  /** The URL's path database: the default "schema" for unqualified collections and where cdc keeps its state. */
  database: string;
  /** The URL with any password masked: the only form ever printed. */
  shown: string;
  /** `host:port[,host:port…]` as written, for error messages. */
  hosts: string;
  clientOptions: MongoClientOptions;
}

/**
 * Server selection is the driver's "connect timeout": it keeps trying for this long before it
 * reports an unreachable server. The driver default (30 s) makes a typo in a host name feel like
 * a hang; `cdc run` retries start-up for --connect-timeout anyway. A URL setting wins.
 */
const SERVER_SELECTION_MS = 5_000;

// scheme, optional credentials, host list (may hold commas: a replica set seed list), then /db.
const SHAPE = /^(mongodb(?:\+srv)?):\/\/(?:[^@/?#]*@)?([^/?#]*)(?:\/([^?#]*))?/i;

export function parseMongoUrl(url: string): MongoConfig {
  const shown = redactUrl(url);
  const m = SHAPE.exec(url);
  // Not echoed when it does not even look like a URL: the string may hold a password in a form
  // redactUrl does not recognise.
  if (!m) throw new UserInputError('invalid MongoDB URL: expected mongodb://[user:password@]host[:port][,host…]/database');
  if (!m[2]) throw new UserInputError(`invalid MongoDB URL ${JSON.stringify(shown)}: it names no host`);
  let database: string;
  try {
    database = decodeURIComponent(m[3] ?? '');
  } catch {
    throw new UserInputError(`invalid MongoDB URL ${JSON.stringify(shown)}: the database name is not valid percent-encoding`);
  }
  if (!database) {
    throw new UserInputError(
      `invalid MongoDB URL ${JSON.stringify(shown)}: name the database to capture, e.g. mongodb://127.0.0.1:27017/shop`,
    );
  }
  // MongoDB's own rule for database names (https://www.mongodb.com/docs/manual/reference/limits/).
  // eslint-disable-next-line no-control-regex -- NUL is one of the characters MongoDB forbids
  if (/[/\\. "$\u0000]/.test(database) || Buffer.byteLength(database) > 63) {
    throw new UserInputError(`invalid MongoDB URL ${JSON.stringify(shown)}: ${JSON.stringify(database)} is not a valid database name`);
  }
  const clientOptions: MongoClientOptions = { appName: 'cdc' };
  if (!/[?&]serverSelectionTimeoutMS=/i.test(url)) clientOptions.serverSelectionTimeoutMS = SERVER_SELECTION_MS;
  return { url, database, shown, hosts: m[2], clientOptions };
}
