import type { ChangeStream, ChangeStreamOptions, Document, MongoClient, Timestamp } from 'mongodb';
import type { TableRef } from '../../src/core/table-ref.js';
import { WIRE_VERSION_PRE_IMAGES, type MongoServerInfo } from './connect.js';
import type { Registration, StoredCheckpoint } from './state-store.js';

/**
 * Where a change stream starts: after a resume token, at a cluster time, or (neither) at "now".
 * `startAfter` is for the token of an `invalidate` event, which `resumeAfter` refuses.
 */
export type StreamStart =
  | { resumeAfter: Document }
  | { startAfter: Document }
  | { startAtOperationTime: Timestamp }
  | Record<string, never>;

/**
 * The checkpoint's token when there is one; otherwise the registration's cluster time, so a
 * collection's first run starts where `install-triggers` registered it and changes made in
 * between are captured (startAtOperationTime includes changes at exactly that time).
 */
export function streamStart(reg: Registration, cp: StoredCheckpoint | null): StreamStart {
  if (cp?.resumeToken) return { resumeAfter: cp.resumeToken };
  if (reg.startAt) return { startAtOperationTime: reg.startAt };
  return {};
}

export interface StreamOptions {
  /** Events per server round trip; the source never holds more than one batch (backpressure). */
  batchSize: number;
  /**
   * How long an idle getMore waits on the server for a change. It bounds how long read() blocks
   * when nothing is happening (and so how quickly shutdown is noticed); a change that arrives
   * meanwhile returns at once, so it costs no latency.
   */
  maxAwaitTimeMS: number;
  /** Ask for full documents and pre-images (the source); the status probe only counts. */
  images: boolean;
}

/**
 * A collection-level change stream. Only collection-level streams are used: mongo-java-server
 * delivers nothing on `db.watch()` and rejects `client.watch()`, and on real MongoDB a collection
 * stream also keeps other collections' changes off the wire.
 *
 * `fullDocument: 'updateLookup'` makes update events carry the document as it is when the event is
 * read (not necessarily right after that update). Pre-images (`fullDocumentBeforeChange`) exist
 * from MongoDB 6.0 (wire 17) and only for collections with changeStreamPreAndPostImages enabled;
 * 'whenAvailable' returns them where they exist and null elsewhere, so it is safe to always ask.
 */
export function openChangeStream(
  client: MongoClient,
  table: TableRef,
  start: StreamStart,
  server: MongoServerInfo,
  options: StreamOptions,
): ChangeStream<Document> {
  // promoteValues: false keeps int32, int64 and double apart (the driver would make all three JS
  // numbers): the Debezium format writes them differently (types/typed-documents.ts). The
  // canonical mapping (bson-json.ts) reads the wrappers to the same JSON as the numbers.
  const opts: ChangeStreamOptions = { ...start, batchSize: options.batchSize, maxAwaitTimeMS: options.maxAwaitTimeMS, promoteValues: false };
  if (options.images) {
    opts.fullDocument = 'updateLookup';
    if (server.maxWireVersion >= WIRE_VERSION_PRE_IMAGES) opts.fullDocumentBeforeChange = 'whenAvailable';
  }
  return client.db(table.schema).collection(table.name).watch<Document>([], opts);
}
