import type { ChangeEvent } from './change-event.js';

/**
 * A document change with its source types kept, for a format that encodes by type (Debezium's
 * MongoDB connector writes an int64 as `{"$numberLong": "42"}`, an int32 as `42`). The canonical
 * row images cannot tell those apart. Documents are MongoDB Extended JSON v2 in its canonical mode
 * (`{"$numberInt": "7"}`, `{"$date": {"$numberLong": "…"}}`), which loses no BSON type.
 */
export interface TypedDocuments {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** The document's `_id`, canonical Extended JSON. */
  id: unknown;
  /** An update's description as the change stream gives it; null for other operations. */
  updateDescription: {
    updatedFields: Record<string, unknown>;
    removedFields: string[];
    truncatedArrays: { field: string; newSize: number }[];
  } | null;
  /** The change's cluster time (seconds and increment), session and transaction, wall time (ms). */
  clusterSeconds: number;
  clusterIncrement: number;
  /** The session id document (canonical Extended JSON) of a transaction's change. */
  lsid: Record<string, unknown> | null;
  txnNumber: string | null;
  wallTime: number | null;
}

const DOCUMENTS = Symbol('cdc.typedDocuments');

/** Hidden from JSON, spread and deepStrictEqual, as attachTableSpec: native events stay byte-for-byte the same. */
export function attachTypedDocuments<T extends ChangeEvent>(event: T, documents: TypedDocuments): T {
  Object.defineProperty(event, DOCUMENTS, { value: documents, enumerable: false, configurable: true });
  return event;
}

export function typedDocumentsOf(event: ChangeEvent): TypedDocuments | undefined {
  return (event as unknown as Record<symbol, TypedDocuments | undefined>)[DOCUMENTS];
}
