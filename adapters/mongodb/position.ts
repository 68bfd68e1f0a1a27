import type { Document, Timestamp } from 'mongodb';
import type { AckToken } from '../../src/core/change-source.js';

/**
 * Positions of the oplog source. Opaque outside this folder (STYLE rule 5).
 *
 * A change stream's resume token (`{ _data: "<hex>" }`) identifies one change in the server's
 * oplog order and is the same every time that change is delivered (it is derived from the oplog
 * entry, not from the cursor), so it serves as changeId, event position and checkpoint alike.
 * Real MongoDB encodes cluster time, transaction index and document key in `_data`;
 * mongo-java-server encodes the oplog timestamp only. Either way only the server parses it.
 */

/** The resume token's `_data` string: changeId and event.source.position. */
export function tokenPosition(token: Document): string {
  const data = token._data;
  if (typeof data === 'string') return data;
  // Tokens of very old servers (3.6 binary tokens) carry no string: keep them stable anyway.
  return JSON.stringify(token);
}

/** Seconds-precision cluster time as ISO-8601 UTC with milliseconds. */
export function clusterTimeIso(ts: Timestamp): string {
  return new Date(Number(ts.t) * 1000).toISOString();
}

/** `<seconds>.<increment>`: a cluster time for humans (status output). */
export function formatClusterTime(ts: Timestamp): string {
  return `${ts.t}.${ts.i}`;
}

/**
 * A multi-document transaction's id: the logical session id plus the transaction number, the
 * pair MongoDB itself uses to identify a transaction. Null outside transactions.
 */
export function transactionId(event: Document): string | null {
  if (event.txnNumber === undefined || event.txnNumber === null) return null;
  const id = event.lsid?.id as { toString(encoding?: string): string } | undefined;
  return `${id ? uuidText(id.toString('hex')) : 'unknown-session'}:${String(event.txnNumber)}`;
}

/** lsid.id is a UUID in a BSON Binary (subtype 4). */
function uuidText(hex: string): string {
  if (!/^[0-9a-f]{32}$/i.test(hex)) return hex;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What a batch's ack stores: the token of the last change the batch covers. */
export class OplogAck implements AckToken {
  constructor(
    readonly owner: object,
    readonly last: { resumeToken: Document; position: string; clusterTime: Timestamp | null } | null,
  ) {}
}
