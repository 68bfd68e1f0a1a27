import type { CapturedChange, Operation, Row } from '../../../src/core/change-event.js';
import { FatalCaptureError, ValueLimitError } from '../../../src/core/errors.js';
import { extractMembers } from '../../../src/core/json-members.js';
import { pickColumns } from '../../../src/core/row.js';
import type { MysqlQueryable } from '../driver.js';
import { decodeImage } from '../types/image-decoder.js';
import { IMAGE_TOO_LARGE } from './image-expressions.js';
import { changeIdOf, changePosition } from './position.js';

export interface LogRow {
  id: string;
  op: string;
  trx_id: string | null;
  changed_at: string;
  before_image: string | null;
  after_image: string | null;
}

/**
 * One page of the change log, inside the round's consistent-snapshot transaction (source.ts).
 * A primary-key range scan in id order; a consistent read takes no locks, so it never waits for
 * writers and writers never wait for it. The id is bound through CAST: a quoted number compared
 * with a BIGINT UNSIGNED column would otherwise be compared as a double.
 */
export async function readLogPage(q: MysqlQueryable, logRef: string, afterId: bigint, limit: number): Promise<LogRow[]> {
  return q.rows<LogRow>(
    `SELECT id, op, trx_id, changed_at, before_image, after_image FROM ${logRef}
      WHERE id > CAST(? AS UNSIGNED) ORDER BY id LIMIT ?`,
    [afterId.toString(), limit],
  );
}

// 'S': a row of an initial snapshot, written by adapters/mysql/snapshot/chunk.ts.
const OPERATIONS: Record<string, Operation> = { I: 'INSERT', U: 'UPDATE', D: 'DELETE', S: 'SNAPSHOT' };

export interface ChangeContext {
  table: string;
  generation: string;
  keyColumns: readonly string[];
}

/** A log row → CapturedChange. A row that cannot be decoded stops the table rather than being skipped. */
export function toCapturedChange(row: LogRow, ctx: ChangeContext): CapturedChange {
  const id = BigInt(row.id);
  const operation = OPERATIONS[row.op];
  try {
    if (!operation) throw new Error(`unknown op ${JSON.stringify(row.op)}`);
    const before = row.before_image === null ? null : decodeImage(row.before_image);
    const after = row.after_image === null ? null : decodeImage(row.after_image);
    const tooLarge = [before, after].find((image) => image !== null && Object.hasOwn(image, IMAGE_TOO_LARGE));
    if (tooLarge) {
      // The trigger logged the key only, so that the application's write could succeed.
      const { [IMAGE_TOO_LARGE]: bytes, ...key } = tooLarge;
      return {
        operation,
        before: null,
        after: null,
        primaryKey: keyOf(key, ctx.keyColumns),
        timestamp: `${row.changed_at.replace(' ', 'T')}Z`,
        transactionId: row.trx_id,
        changeId: changeIdOf(ctx.generation, id),
        position: changePosition(id),
        sourceExtra: { log_id: row.id, trx_id: row.trx_id },
        failure: `change log row ${row.id}: the row's image was ${String(bytes)} bytes, more than half the server's max_allowed_packet, so only its key was logged (docs/mysql-trigger.md)`,
      };
    }
    return {
      operation,
      before,
      after,
      primaryKey: keyOf(operation === 'DELETE' ? before : after, ctx.keyColumns),
      // changed_at is UTC_TIMESTAMP(6), printed as DATETIME(6).
      timestamp: `${row.changed_at.replace(' ', 'T')}Z`,
      transactionId: row.trx_id,
      changeId: changeIdOf(ctx.generation, id),
      position: changePosition(id),
      sourceExtra: { log_id: row.id, trx_id: row.trx_id },
    };
  } catch (err) {
    if (err instanceof ValueLimitError && operation) {
      // A value beyond the decoders' limits fails this change alone (the pipeline applies the
      // oversize policy to it); the rows behind it are still delivered.
      return {
        operation,
        before: null,
        after: null,
        primaryKey: keyOfUndecodable(operation === 'DELETE' ? row.before_image : row.after_image, ctx.keyColumns),
        timestamp: `${row.changed_at.replace(' ', 'T')}Z`,
        transactionId: row.trx_id,
        changeId: changeIdOf(ctx.generation, id),
        position: changePosition(id),
        sourceExtra: { log_id: row.id, trx_id: row.trx_id },
        failure: `change log row ${row.id}: ${err.message}`,
      };
    }
    throw new FatalCaptureError(`cannot decode change log row ${row.id} of ${ctx.table}: ${(err as Error).message}`, { cause: err });
  }
}

/** The key of a change: from the new image, or the old one for DELETE (an UPDATE may change the key). */
function keyOf(image: Row | null, keyColumns: readonly string[]): Row | null {
  if (!image) return null;
  return pickColumns(image, keyColumns);
}

/** The key members of an image that cannot be decoded as a whole, so the failed change keeps its key. */
function keyOfUndecodable(image: string | null, keyColumns: readonly string[]): Row | null {
  const members = image === null ? null : extractMembers(image, keyColumns);
  if (members === null) return null;
  try {
    return pickColumns(decodeImage(members), keyColumns);
  } catch {
    return null;
  }
}
