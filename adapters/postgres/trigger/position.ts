import type { AckToken } from '../../../src/core/change-source.js';

/**
 * Positions of the trigger source. All opaque outside this folder (STYLE rule 5).
 *
 * Restart needs no stored position: the log holds exactly the unacknowledged changes, so a new
 * read round redelivers them. The checkpoint's position records where the last ack got to, for
 * `cdc status` and for a later switch of capture mode (the txid relates trigger changes to WAL).
 */

/** Stable per change: the log id is unique within one generation of the log table. */
export function changeId(generation: string, logId: string): string {
  return `${generation}:${logId}`;
}

/** event.source.position of one change: `<txid>/<log id>`. */
export function changePosition(txid: string, logId: string): string {
  return `${txid}/${logId}`;
}

export interface CheckpointPosition {
  /** Snapshot of the round the last acknowledged batch belonged to. */
  snapshot: string;
  log_id: string;
  txid: string;
  /** changed_at of the last acknowledged change (UTC). */
  changed_at: string;
}

export function formatCheckpoint(p: CheckpointPosition): string {
  return JSON.stringify(p);
}

export function parseCheckpoint(text: string | null): CheckpointPosition | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as CheckpointPosition;
  } catch {
    return null;
  }
}

/**
 * Acknowledges exactly the rows a batch emitted: ids in (fromId, toId] visible in the round's
 * snapshot and not in `prev` (rows of earlier rounds, still in flight when the round started).
 */
export class TriggerAck implements AckToken {
  constructor(
    readonly owner: object,
    readonly batch: {
      snapshot: string;
      prev: string | null;
      fromId: string;
      toId: string;
      last: CheckpointPosition;
    } | null,
  ) {}
}
