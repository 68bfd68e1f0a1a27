import { MongoServerError, Timestamp, type Db, type Document } from 'mongodb';
import { OwnershipLostError } from '../../src/core/errors.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { qualifiedName } from '../../src/core/table-ref.js';

/**
 * cdc's own state, in the database named by the source URL (next to the data it describes, like
 * cdc.captured_tables on PostgreSQL):
 *
 *   cdc_captured     { _id: "shop.users", db, collection, mode: "oplog", installed_at, start_at }
 *   cdc_checkpoints  { _id: "shop.users", resume_token, position, cluster_time, updated_at,
 *                      seq_reserved, owner_generation }
 *
 * `start_at` is the server's cluster time at registration: the first `cdc run` starts the change
 * stream there, so changes between install and first run are not lost. `resume_token` is the token
 * of the last acknowledged change, stored as the server sent it (it is opaque and version-specific).
 * Both collections are created by their first write; nothing exists before the first install.
 * `owner_generation` is the fencing token (docs/workers.md): each open() increments it, and a
 * checkpoint is written only while it still equals the writer's generation.
 */
export const CAPTURED = 'cdc_captured';
export const CHECKPOINTS = 'cdc_checkpoints';

/** Collections cdc writes itself; capturing them would feed cdc its own acks. */
export const STATE_COLLECTIONS = new Set([CAPTURED, CHECKPOINTS]);

export interface Registration {
  table: TableRef;
  tableName: string;
  installedAt: Date | null;
  startAt: Timestamp | null;
}

export interface StoredCheckpoint {
  resumeToken: Document | null;
  position: string | null;
  clusterTime: Timestamp | null;
  updatedAt: Date | null;
}

const DUPLICATE_KEY = 11000;

function toRegistration(d: Document): Registration {
  const table = { schema: String(d.db), name: String(d.collection) };
  return {
    table,
    tableName: qualifiedName(table),
    installedAt: d.installed_at instanceof Date ? d.installed_at : null,
    startAt: d.start_at?._bsontype === 'Timestamp' ? (d.start_at as Timestamp) : null,
  };
}

export async function listRegistrations(state: Db): Promise<Registration[]> {
  const docs = await state.collection(CAPTURED).find({}).sort({ _id: 1 }).toArray();
  return docs.map(toRegistration);
}

export async function getRegistration(state: Db, tableName: string): Promise<Registration | null> {
  const d = await state.collection<Document>(CAPTURED).findOne({ _id: tableName } as Document);
  return d ? toRegistration(d) : null;
}

/** Registers `table`; false when it already was (the first registration, and its start_at, stay). */
export async function insertRegistration(state: Db, table: TableRef, startAt: Timestamp): Promise<boolean> {
  try {
    await state.collection<Document>(CAPTURED).insertOne({
      _id: qualifiedName(table),
      db: table.schema,
      collection: table.name,
      mode: 'oplog',
      installed_at: new Date(),
      start_at: startAt,
    } as Document);
    return true;
  } catch (err) {
    if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
    throw err;
  }
}

export async function deleteRegistration(state: Db, tableName: string): Promise<boolean> {
  const r = await state.collection<Document>(CAPTURED).deleteOne({ _id: tableName } as Document);
  return r.deletedCount > 0;
}

export async function getCheckpoint(state: Db, tableName: string): Promise<StoredCheckpoint | null> {
  const d = await state.collection<Document>(CHECKPOINTS).findOne({ _id: tableName } as Document);
  if (!d) return null;
  return {
    resumeToken: d.resume_token ?? null,
    position: typeof d.position === 'string' ? d.position : null,
    clusterTime: d.cluster_time?._bsontype === 'Timestamp' ? (d.cluster_time as Timestamp) : null,
    updatedAt: d.updated_at instanceof Date ? d.updated_at : null,
  };
}

/**
 * Makes the caller the table's owner: increments `owner_generation` (one atomic findAndModify) and
 * returns the new value. Every earlier owner's next checkpoint write is refused from now on.
 */
export async function claimOwnership(state: Db, tableName: string): Promise<number> {
  const d = await state
    .collection<Document>(CHECKPOINTS)
    .findOneAndUpdate({ _id: tableName } as Document, { $inc: { owner_generation: 1 } }, { upsert: true, returnDocument: 'after' });
  const generation = Number(d?.owner_generation);
  if (!Number.isSafeInteger(generation)) throw new Error(`claiming ${tableName}: the server returned no owner_generation`);
  return generation;
}

/**
 * Durably records the resume point; acknowledged by the server before it returns (default write
 * concern). Checked and set in one update: when another process claimed the table since
 * `generation` was taken, nothing is written and OwnershipLostError is thrown.
 */
export async function saveCheckpoint(
  state: Db,
  tableName: string,
  cp: { resumeToken: Document; position: string; clusterTime: Timestamp | null },
  generation: number,
): Promise<void> {
  const r = await state.collection<Document>(CHECKPOINTS).updateOne(
    { _id: tableName, owner_generation: generation } as Document,
    { $set: { mode: 'oplog', resume_token: cp.resumeToken, position: cp.position, cluster_time: cp.clusterTime, updated_at: new Date() } },
  );
  if (r.matchedCount === 0) {
    throw new OwnershipLostError(`collection ${tableName} was taken over by another cdc process (owner generation ${generation} is stale); this one stops capturing it`);
  }
}

/**
 * Uninstall: forget the resume point but keep seq_reserved and owner_generation, so sequence numbers
 * never go backwards and a process that opened the collection before stays fenced off after a re-register.
 */
export async function clearCheckpoint(state: Db, tableName: string): Promise<void> {
  await state
    .collection<Document>(CHECKPOINTS)
    .updateOne({ _id: tableName } as Document, { $unset: { mode: '', resume_token: '', position: '', cluster_time: '' }, $set: { updated_at: new Date() } });
}
