import type { CapturedChange, Operation } from '../../../src/core/change-event.js';
import { ValueLimitError } from '../../../src/core/errors.js';
import { extractMembers } from '../../../src/core/json-members.js';
import { pickColumns } from '../../../src/core/row.js';
import { eventTimestamp } from '../types/canonical.js';
import type { DecodedImage } from '../types/jsonb-decoder.js';
import type { LogRow } from './read-query.js';
import { changeId, changePosition } from './position.js';

// 'S': a row of an initial snapshot, written by adapters/postgres/snapshot/chunk.ts.
const OPERATIONS: Record<string, Operation> = { I: 'INSERT', U: 'UPDATE', D: 'DELETE', T: 'TRUNCATE', S: 'SNAPSHOT' };

/** Maps one log row; `decode` turns an image's text into a canonical row (and may reload types). */
export function toCapturedChange(
  row: LogRow,
  ctx: { generation: string; keyColumns: readonly string[]; decode: (image: string, columns: string | null) => DecodedImage },
): CapturedChange {
  const operation = OPERATIONS[row.op];
  if (!operation) throw new Error(`change log row ${row.id} has unknown op ${JSON.stringify(row.op)}`);
  const base = {
    operation,
    timestamp: eventTimestamp(row.changed_at),
    transactionId: row.txid,
    changeId: changeId(ctx.generation, row.id),
    position: changePosition(row.txid, row.id),
    sourceExtra: { txid: row.txid, log_id: row.id },
  };
  let before, after;
  try {
    before = row.before === null ? null : ctx.decode(row.before, row.columns).row;
    after = row.after === null ? null : ctx.decode(row.after, row.columns).row;
  } catch (err) {
    // A value beyond the decoders' limits fails this change alone (the pipeline applies the
    // oversize policy to it); the rows behind it are still delivered.
    if (!(err instanceof ValueLimitError)) throw err;
    const primaryKey = keyOfUndecodable(row.after ?? row.before, ctx);
    return { ...base, before: null, after: null, primaryKey, failure: `change log row ${row.id}: ${err.message}` };
  }
  // The key of the row as it is after the change (UPDATE), or as it was (DELETE).
  const keySource = after ?? before;
  return { ...base, before, after, primaryKey: keySource ? pickColumns(keySource, ctx.keyColumns) : null };
}

/**
 * The key of an image that cannot be decoded as a whole: its key members alone, decoded the same
 * way, so the failed change is still named (and dead-lettered) by its key. Null when even that fails.
 */
function keyOfUndecodable(image: string | null, ctx: { keyColumns: readonly string[]; decode: (image: string, columns: string | null) => DecodedImage }) {
  // A json image (a snapshot row's record text has no members to scan, and gets no key).
  const members = image === null ? null : extractMembers(image, ctx.keyColumns);
  if (members === null) return null;
  try {
    return pickColumns(ctx.decode(members, null).row, ctx.keyColumns);
  } catch {
    return null;
  }
}
