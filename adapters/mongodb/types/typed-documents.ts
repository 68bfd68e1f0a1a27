import { BSON, type Document } from 'mongodb';
import type { TypedDocuments } from '../../../src/core/typed-documents.js';

/**
 * BSON values as canonical Extended JSON v2: the driver's own serialiser (`relaxed: false`), which
 * keeps every type (int32 and int64 and double apart, dates as `$numberLong` milliseconds). Read
 * with `promoteValues: false` (stream.ts, lookup.ts), so an int64 or a whole double is still one.
 */
function canonical(value: unknown): any {
  return BSON.EJSON.serialize({ v: value }, { relaxed: false }).v;
}

/** A change-stream event's documents and source facts for a format that needs the BSON types. */
export function typedDocuments(e: Document, op: string, after: Document | null, id: unknown): TypedDocuments {
  const ud = op === 'update' ? e.updateDescription : null;
  const ct = e.clusterTime as { t?: number; i?: number; high?: number; low?: number } | undefined;
  return {
    before: e.fullDocumentBeforeChange ? canonical(e.fullDocumentBeforeChange) : null,
    after: after ? canonical(after) : null,
    id: canonical(id),
    updateDescription: ud
      ? {
          updatedFields: canonical(ud.updatedFields ?? {}),
          removedFields: (ud.removedFields ?? []).map(String),
          truncatedArrays: (ud.truncatedArrays ?? []).map((t: { field: string; newSize: unknown }) => ({ field: String(t.field), newSize: Number(t.newSize) })),
        }
      : null,
    clusterSeconds: Number(ct?.t ?? ct?.high ?? 0),
    clusterIncrement: Number(ct?.i ?? ct?.low ?? 0),
    lsid: e.lsid ? canonical(e.lsid) : null,
    txnNumber: e.txnNumber === undefined || e.txnNumber === null ? null : String(e.txnNumber),
    wallTime: e.wallTime instanceof Date ? e.wallTime.getTime() : null,
  };
}
