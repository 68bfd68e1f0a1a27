import type { AckToken } from '../../src/core/change-source.js';
import type { KeyedUpdate } from '../redis/keyed-set.js';
import type { Watermark } from './dialect.js';
import { keyJson } from './keys.js';

/**
 * Positions of the poll source; opaque outside this folder (STYLE rule 5).
 *
 * A polled row version is identified by its change stamp and key: the same version read again
 * after a crash gets the same changeId, so the same event_id. A DELETE is identified by the key
 * and the stamp of the last version cdc emitted for it, so a key deleted, re-inserted and deleted
 * again yields two different DELETE events.
 */

export function changeId(stamp: string, key: readonly unknown[]): string {
  return `${stamp}|${keyJson(key)}`;
}

/** event.source.position: `<stamp>|<key json>` (the brief's `${updated_at}|${pk json}`). */
export const changePosition = changeId;

export function deleteChangeId(lastStamp: string, key: readonly unknown[]): string {
  return `D|${lastStamp}|${keyJson(key)}`;
}

export function deletePosition(lastStamp: string, key: readonly unknown[]): string {
  return `${lastStamp}|${keyJson(key)}|deleted`;
}

/** The durable checkpoint: the last acknowledged (stamp, key), with its UTC time for status. */
export interface PollCheckpoint extends Watermark {
  event_time: string;
}

export function formatCheckpoint(c: PollCheckpoint): string {
  return JSON.stringify({ stamp: c.stamp, key: c.key, event_time: c.event_time });
}

/**
 * What one batch's ack makes durable, atomically: the known-key updates of its events and, for
 * a poll page, the new watermark (a batch of DELETEs leaves the watermark alone).
 */
export class PollAck implements AckToken {
  constructor(
    readonly owner: object,
    readonly batch: number,
    readonly checkpoint: PollCheckpoint | null,
    readonly updates: readonly KeyedUpdate[],
  ) {}
}
