import type { Document, MongoClient } from 'mongodb';
import type { CapturedChange, Row } from '../../src/core/change-event.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { concernsCollection, resolveUpdates, type ResolvedUpdate, type UpdateTarget } from './lookup.js';
import { ValueLimitError } from '../../src/core/errors.js';
import { clusterTimeIso, formatClusterTime, tokenPosition, transactionId } from './position.js';
import { bsonToJson, documentToJson } from './types/bson-json.js';
import { typedDocuments } from './types/typed-documents.js';

/** Change-stream operation types and what cdc makes of them. */
const DATA_OPS = new Set(['insert', 'update', 'replace', 'delete']);
/** The collection's documents are gone from this name: one TRUNCATE, like PostgreSQL's. */
const GONE_OPS = new Set(['drop', 'rename', 'dropDatabase']);

/** The stream's last event after a drop or rename (real MongoDB; mongo-java-server sends none). */
export function isInvalidate(event: Document): boolean {
  return event.operationType === 'invalidate';
}

/**
 * Whether an event will (most likely) become a ChangeEvent, without any lookup: for counting the
 * backlog. A drop without `ns` (mongo-java-server, where it may be another collection's) is not.
 */
export function countsAsChange(event: Document, table: TableRef): boolean {
  const op = String(event.operationType);
  if (DATA_OPS.has(op)) return true;
  return GONE_OPS.has(op) && event.ns?.db === table.schema && (event.ns.coll === undefined || event.ns.coll === table.name);
}

/**
 * Change-stream events → CapturedChanges, in stream order. Events of other types (DDL: on MongoDB
 * only with showExpandedEvents, on mongo-java-server every command of the database) are skipped;
 * the caller still acknowledges past them. Update events are completed by resolveUpdates (see lookup.ts).
 *
 * Images: INSERT after = the inserted document. UPDATE/REPLACE after = the document when the event
 * was read (updateLookup semantics), before = the pre-image where the server stores one (MongoDB
 * 6+ with changeStreamPreAndPostImages), else null. DELETE before = the pre-image, else `{ _id }`:
 * MongoDB before 6.0 and mongo-java-server know only the key of a deleted document.
 */
export async function toCapturedChanges(client: MongoClient, table: TableRef, events: Document[]): Promise<CapturedChange[]> {
  const updates = events.filter((e) => e.operationType === 'update' || e.operationType === 'replace');
  const targets: UpdateTarget[] = updates.map((e) => ({
    clusterTime: e.clusterTime,
    documentKey: e.documentKey ?? null,
    fullDocument: e.fullDocument ?? null,
  }));
  const resolved = new Map((await resolveUpdates(client, table, targets)).map((r, i) => [updates[i]!, r]));
  const gone = events.filter((e) => GONE_OPS.has(String(e.operationType)));
  const ours = new Set((await concernsCollection(client, table, gone)).flatMap((yes, i) => (yes ? [gone[i]!] : [])));

  const out: CapturedChange[] = [];
  for (const e of events) {
    const op = String(e.operationType);
    if (!DATA_OPS.has(op) && !GONE_OPS.has(op)) continue;
    const base = common(e);
    if (GONE_OPS.has(op)) {
      if (ours.has(e)) out.push({ ...base, operation: 'TRUNCATE', before: null, after: null, primaryKey: null });
      continue;
    }
    try {
      out.push(dataChange(e, op, base, resolved));
    } catch (err) {
      // A document beyond the decoders' limits fails this change alone, keyed by its _id; the
      // pipeline applies the oversize policy to it and the changes behind it still come.
      if (!(err instanceof ValueLimitError)) throw err;
      const id = op === 'insert' || op === 'delete' ? e.documentKey?._id : resolved.get(e)?.id;
      const operation = op === 'insert' ? 'INSERT' : op === 'delete' ? 'DELETE' : 'UPDATE';
      out.push({ ...base, operation, before: null, after: null, primaryKey: { _id: bsonToJson(id) }, failure: `change at ${base.position}: ${err.message}` });
    }
  }
  return out;
}

/** One insert, update or delete event → CapturedChange; throws ValueLimitError for a document beyond the decoders' limits. */
function dataChange(e: Document, op: string, base: ReturnType<typeof common>, resolved: Map<Document, ResolvedUpdate>): CapturedChange {
  const pre = e.fullDocumentBeforeChange ? documentToJson(e.fullDocumentBeforeChange) : null;
  if (op === 'insert') {
    const doc = e.fullDocument ?? { _id: e.documentKey?._id };
    const after = documentToJson(doc);
    return { ...base, operation: 'INSERT', before: null, after, primaryKey: { _id: after._id }, documents: typedDocuments(e, op, doc, doc._id) };
  } else if (op === 'delete') {
    const key: Row = { _id: bsonToJson(e.documentKey?._id) };
    return { ...base, operation: 'DELETE', before: pre ?? key, after: null, primaryKey: key, documents: typedDocuments(e, op, null, e.documentKey?._id) };
  } else {
    const r = resolved.get(e)!;
    const key: Row = { _id: bsonToJson(r.id) };
    // Deleted since this update: the key is all that is left to say (a DELETE event follows).
    const after = r.document ? documentToJson(r.document) : key;
    const extra = r.document ? base.sourceExtra : { ...base.sourceExtra, full_document: 'missing' };
    return { ...base, sourceExtra: extra, operation: 'UPDATE', before: pre, after, primaryKey: key, documents: typedDocuments(e, op, r.document, r.id) };
  }
}

function common(e: Document): Omit<CapturedChange, 'operation' | 'before' | 'after' | 'primaryKey'> {
  const position = tokenPosition(e._id);
  return {
    // wallTime (MongoDB 6+) has milliseconds; clusterTime only seconds.
    timestamp: e.wallTime instanceof Date ? e.wallTime.toISOString() : clusterTimeIso(e.clusterTime),
    transactionId: transactionId(e),
    changeId: position,
    position,
    sourceExtra: { cluster_time: formatClusterTime(e.clusterTime) },
  };
}
