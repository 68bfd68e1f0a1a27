import { BSON, type Document, type MongoClient, type Timestamp } from 'mongodb';
import { FatalCaptureError } from '../../src/core/errors.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { qualifiedName } from '../../src/core/table-ref.js';

/**
 * Fills in what an update event should carry but may not: the document's `_id` and its full
 * document. Done once per batch, with one query of each kind, so a batch of N updates costs two
 * round trips, not 2N.
 *
 * Real MongoDB sends documentKey `{ _id }` and, with updateLookup, fullDocument (null when the
 * document has been deleted since). mongo-java-server 1.47 puts the update document into
 * documentKey (`{ $set: {…} }`, or the whole replacement) and, when the document has been deleted
 * since, sends the `$set` fields as fullDocument. Its oplog (`local.oplog.rs`) is right, though:
 * `o2._id` names the document. So: trust documentKey._id when it is there, else read the oplog
 * entry at the event's cluster time; trust fullDocument only when it carries that `_id`, else
 * look the document up by `_id` — the same "state when read" updateLookup gives.
 */
export interface UpdateTarget {
  clusterTime: Timestamp;
  documentKey: Document | null;
  fullDocument: Document | null;
}

export interface ResolvedUpdate {
  id: unknown;
  /** null: the document no longer exists (deleted after this update). */
  document: Document | null;
}

/** Documents and ids are read with promoteValues: false, as the change stream is (stream.ts): the same BSON types on both sides. */
export async function resolveUpdates(client: MongoClient, table: TableRef, targets: UpdateTarget[]): Promise<ResolvedUpdate[]> {
  if (targets.length === 0) return [];
  const ids = await resolveIds(client, table, targets);
  const out: ResolvedUpdate[] = targets.map((t, i) => {
    const full = t.fullDocument;
    const ok = full !== null && typeof full === 'object' && '_id' in full && sameValue(full._id, ids[i]);
    return { id: ids[i], document: ok ? full : null };
  });
  const missing = out.filter((r) => r.document === null);
  if (missing.length > 0) {
    const found = await client
      .db(table.schema)
      .collection(table.name)
      .find({ _id: { $in: missing.map((r) => r.id) } } as Document, { promoteValues: false })
      .toArray();
    const byId = new Map(found.map((d) => [keyOf(d._id), d]));
    for (const r of missing) r.document = byId.get(keyOf(r.id)) ?? null;
  }
  return out;
}

async function resolveIds(client: MongoClient, table: TableRef, targets: UpdateTarget[]): Promise<unknown[]> {
  const ids: unknown[] = targets.map((t) => (t.documentKey && Object.hasOwn(t.documentKey, '_id') ? t.documentKey._id : undefined));
  const unknown = targets.filter((_, i) => ids[i] === undefined);
  if (unknown.length === 0) return ids;
  const ns = qualifiedName(table);
  const entries = await client
    .db('local')
    .collection('oplog.rs')
    .find({ ns, op: 'u', ts: { $in: unknown.map((t) => t.clusterTime) } }, { projection: { ts: 1, o2: 1 }, promoteValues: false })
    .toArray();
  const byTs = new Map(entries.map((e) => [String(e.ts), e.o2?._id]));
  return targets.map((t, i) => {
    if (ids[i] !== undefined) return ids[i];
    const id = byTs.get(String(t.clusterTime));
    if (id === undefined) {
      throw new FatalCaptureError(
        `update event at cluster time ${String(t.clusterTime)} on ${ns} names no document (documentKey has no _id) and local.oplog.rs has no entry for it`,
      );
    }
    return id;
  });
}

/**
 * Which drop/rename/dropDatabase events concern this collection. Real MongoDB names the namespace
 * in `ns`. mongo-java-server sends no `ns` and puts every command of the database into every
 * collection stream of it (dropping `orders` shows up in the `users` stream), so there the oplog
 * entry at the event's cluster time decides; an event that cannot be tied to this collection is
 * not emitted, because a wrong TRUNCATE would make consumers throw data away.
 */
export async function concernsCollection(client: MongoClient, table: TableRef, events: Document[]): Promise<boolean[]> {
  const unknown = events.filter((e) => !e.ns);
  const commands = new Map<string, Document>();
  if (unknown.length > 0) {
    const entries = await client
      .db('local')
      .collection('oplog.rs')
      .find({ op: 'c', ts: { $in: unknown.map((e) => e.clusterTime) } }, { projection: { ts: 1, ns: 1, o: 1 } })
      .toArray();
    for (const e of entries) commands.set(String(e.ts), e);
  }
  const full = qualifiedName(table);
  return events.map((e) => {
    if (e.ns) return e.ns.db === table.schema && (e.ns.coll === undefined || e.ns.coll === table.name);
    const entry = commands.get(String(e.clusterTime));
    if (!entry || entry.ns !== `${table.schema}.$cmd`) return false;
    const o = entry.o ?? {};
    return o.drop === table.name || o.renameCollection === full || o.dropDatabase !== undefined;
  });
}

/** Exact BSON identity (type included: 1 and "1" are different _ids). */
function keyOf(v: unknown): string {
  return BSON.EJSON.stringify({ v }, { relaxed: false });
}

function sameValue(a: unknown, b: unknown): boolean {
  return keyOf(a) === keyOf(b);
}
