import type { AckToken } from '../../../src/core/change-source.js';

/**
 * Positions of the MySQL trigger source (opaque outside this folder, STYLE rule 5).
 *   change position   the log row id: "1234"
 *   changeId          "<generation>:<log id>" — stable across redelivery, unique across log re-creations
 *   checkpoint        {"last_id":"1234","acked_at":"2024-…Z"}; informational only, because the log
 *                     itself is the durable state: acknowledged rows are deleted, and a restart
 *                     resumes from whatever is still in the log.
 */
export const changePosition = (id: bigint): string => id.toString();

export const changeIdOf = (generation: string, id: bigint): string => `${generation}:${id}`;

export function checkpointPosition(lastId: bigint, ackedAt: Date): string {
  return JSON.stringify({ last_id: lastId.toString(), acked_at: ackedAt.toISOString() });
}

/** Inclusive runs of consecutive ids. */
export type IdRange = readonly [first: bigint, last: bigint];

/** The acknowledgement of one batch: exactly the log ids it emitted. */
export interface TriggerAckToken extends AckToken {
  readonly ranges: readonly IdRange[];
  readonly count: number;
  readonly lastId: bigint | null;
  /** Set once an ack attempt started: a retry must first check which rows are still there. */
  attempted: boolean;
}

export function ackToken(ids: readonly bigint[]): TriggerAckToken {
  return { ranges: compressIds(ids), count: ids.length, lastId: ids.length > 0 ? ids[ids.length - 1]! : null, attempted: false };
}

/**
 * [1,2,3,5,6,9] → [[1,3],[5,6],[9,9]]. Ids must be strictly increasing (the read is ORDER BY id).
 * Gaps are ids the batch did not emit — rolled back, or written by a transaction still open — and
 * must never be deleted.
 */
export function compressIds(ids: readonly bigint[]): IdRange[] {
  const out: Array<[bigint, bigint]> = [];
  for (const id of ids) {
    const last = out[out.length - 1];
    if (last && id <= last[1]) throw new Error(`log ids must increase: ${id} after ${last[1]}`);
    if (last && id === last[1] + 1n) last[1] = id;
    else out.push([id, id]);
  }
  return out;
}

export function isTriggerAckToken(token: AckToken): token is TriggerAckToken {
  return Array.isArray((token as { ranges?: unknown }).ranges) && typeof (token as { count?: unknown }).count === 'number';
}
