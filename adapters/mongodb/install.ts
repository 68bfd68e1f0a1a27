import { Timestamp, type Document, type MongoClient } from 'mongodb';
import { UserInputError } from '../../src/core/errors.js';
import type { InstallOptions, InstallResult } from '../../src/core/source-database.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { qualifiedName } from '../../src/core/table-ref.js';
import { handshake } from './connect.js';
import { classify } from './errors.js';
import { clearCheckpoint, deleteRegistration, insertRegistration, STATE_COLLECTIONS } from './state-store.js';

/**
 * Registering a collection is MongoDB's "install": there are no triggers, the server already logs
 * every change. What install adds is a registration (cdc_captured) with the cluster time it was
 * made at, which is where the first `cdc run` starts reading.
 */
export interface InstallContext {
  client: MongoClient;
  /** The URL's database, where cdc_captured and cdc_checkpoints live. */
  stateDb: string;
}

export const KEY_COLUMNS = ['_id'];

/** Everything install checks, changing nothing: bad input leaves the database as it was. */
export async function checkInstallable(ctx: InstallContext, table: TableRef, options: InstallOptions): Promise<void> {
  const name = qualifiedName(table);
  if (options.keyColumns && (options.keyColumns.length !== 1 || options.keyColumns[0] !== '_id')) {
    throw new UserInputError(`MongoDB documents are keyed by _id; --key-columns ${options.keyColumns.join(',')} is not supported for ${name}`);
  }
  if (table.name.startsWith('system.') || (table.schema === ctx.stateDb && STATE_COLLECTIONS.has(table.name))) {
    throw new UserInputError(`collection ${name} cannot be captured: it belongs to MongoDB or to cdc itself`);
  }
  const where = `collection ${name}`;
  let info: Document | undefined;
  try {
    // Filtered here too: mongo-java-server ignores listCollections' filter and lists them all.
    const all = await ctx.client.db(table.schema).listCollections({ name: table.name }).toArray();
    info = all.find((c) => c.name === table.name);
  } catch (err) {
    throw classify(err, where);
  }
  if (!info) throw new UserInputError(`collection ${name} does not exist (create it first, or check the database and collection name)`);
  if (info.type && info.type !== 'collection') throw new UserInputError(`${name} is a ${info.type}, not a collection: change streams cannot watch it`);
  await probeChangeStream(ctx.client, table, where);
}

/**
 * Opens and closes a change stream once, so a server that cannot stream (a standalone mongod, a
 * user without the `changeStream` privilege) is refused at install rather than at `cdc run`.
 */
async function probeChangeStream(client: MongoClient, table: TableRef, where: string): Promise<void> {
  const stream = client.db(table.schema).collection(table.name).watch([], { maxAwaitTimeMS: 1 });
  try {
    await stream.tryNext();
  } catch (err) {
    throw classify(err, where);
  } finally {
    await stream.close().catch(() => undefined);
  }
}

export async function installCollection(ctx: InstallContext, table: TableRef, options: InstallOptions): Promise<InstallResult> {
  await checkInstallable(ctx, table, options);
  const startAt = await clusterTimeNow(ctx);
  const changed = await insertRegistration(ctx.client.db(ctx.stateDb), table, startAt);
  return { table: qualifiedName(table), changed, keyColumns: KEY_COLUMNS };
}

export async function uninstallCollection(ctx: InstallContext, table: TableRef): Promise<boolean> {
  const state = ctx.client.db(ctx.stateDb);
  const removed = await deleteRegistration(state, qualifiedName(table));
  if (removed) await clearCheckpoint(state, qualifiedName(table));
  return removed;
}

/**
 * The server's cluster time now. A replica-set member reports it as `operationTime` on every
 * reply; mongo-java-server does not, so fall back to the server's clock at second precision with
 * increment 0 — no later than any oplog entry written from now on, since the oplog's seconds come
 * from that same clock. Starting a little early only re-reads changes from before the install.
 */
async function clusterTimeNow(ctx: InstallContext): Promise<Timestamp> {
  const reply = await handshake(ctx.client, ctx.stateDb);
  if (reply.operationTime?._bsontype === 'Timestamp') return reply.operationTime as Timestamp;
  const clock = reply.localTime instanceof Date ? reply.localTime.getTime() : Date.now();
  return new Timestamp({ t: Math.floor(clock / 1000), i: 0 });
}
