import { createHash } from 'node:crypto';
import type { Row } from '../../src/core/change-event.js';
import { setOwn } from '../../src/core/lossless-json.js';

/**
 * Primary keys as cdc remembers them in the state store (the "known keys" of a table), and the
 * per-key hash both sides of a reconciliation checksum agree on.
 *
 * A known key is one sorted-set member `<sortable>\0<json>`:
 *  - `sortable` encodes the key values so that byte order equals the database's key order for
 *    integer keys (any width, signed or not), uuids and text under a byte-order collation. It is
 *    prefix-free, so whatever follows it never changes the order between two keys, and a range of
 *    members maps to a range of keys (ZRANGEBYLEX). For other key types the orders differ; that
 *    only makes chunk checksums mismatch more often, never produces a wrong DELETE (every delete
 *    candidate is confirmed by a point lookup, see reconcile.ts).
 *  - `json` is `[stamp, [key values…]]`: the change stamp of the last version cdc emitted (it
 *    makes the DELETE's changeId differ between two lifetimes of one key) and the canonical key.
 *    JSON escapes NUL, so the last NUL of a member always separates the two parts.
 */

const INT = /^-?\d+$/;
const OFFSET = 2n ** 64n; // signed 64-bit and unsigned 64-bit both fit in 17 hex digits after it

function escapeText(s: string): string {
  // \0 terminates a text part; \1 is the escape. Both sort below every other byte, so escaped
  // text keeps its order and a shorter string sorts before its extensions.
  return s.replaceAll('\u0001', '\u0001\u0002').replaceAll('\u0000', '\u0001\u0001') + '\u0000';
}

function sortablePart(v: unknown): string {
  if ((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && INT.test(v) && v.length <= 21)) {
    const n = BigInt(v) + OFFSET;
    if (n >= 0n && n < 2n ** 68n) return 'i' + n.toString(16).padStart(17, '0');
  }
  if (typeof v === 'string') return 's' + escapeText(v);
  return 'j' + escapeText(JSON.stringify(v) ?? 'null');
}

export function sortableKey(values: readonly unknown[]): string {
  return values.map(sortablePart).join('');
}

export function knownMember(values: readonly unknown[], stamp: string): string {
  return `${sortableKey(values)}\u0000${JSON.stringify([stamp, values])}`;
}

export function parseMember(member: string): { values: unknown[]; stamp: string } {
  const [stamp, values] = JSON.parse(member.slice(member.lastIndexOf('\u0000') + 1)) as [string, unknown[]];
  return { values, stamp };
}

/** Lexicographic bounds for ZRANGEBYLEX: members of keys > after (exclusive) and ≤ upTo. */
export function memberRange(after: readonly unknown[] | null, upTo: readonly unknown[] | null): [string, string] {
  // Members of key k start with sortable(k)+"\0"; every member of a larger key differs earlier.
  const lo = after ? `[${sortableKey(after)}\u0001` : '-';
  const hi = upTo ? `(${sortableKey(upTo)}\u0001` : '+';
  return [lo, hi];
}

/**
 * The text of a key both sides hash: each value as the database prints it (`id::text`,
 * CAST(id AS CHAR)), joined by U+001F. Canonical integers, decimals, text and uuids print the same
 * on both sides; other key types differ, which only forces a key-by-key comparison of the chunk.
 */
export function keyText(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v))).join('\u001f');
}

/** First 60 bits of md5(keyText) as an integer: summed per chunk, order does not matter. */
export function keyHash(values: readonly unknown[]): bigint {
  return BigInt('0x' + createHash('md5').update(keyText(values), 'utf8').digest('hex').slice(0, 15));
}

export function chunkDigest(keys: Iterable<readonly unknown[]>): { count: number; sum: string } {
  let count = 0;
  let sum = 0n;
  for (const k of keys) {
    count++;
    sum += keyHash(k);
  }
  return { count, sum: sum.toString() };
}

export function keyObject(columns: readonly string[], values: readonly unknown[]): Row {
  const out: Row = {};
  columns.forEach((c, i) => setOwn(out, c, values[i] ?? null));
  return out;
}

export function keyJson(values: readonly unknown[]): string {
  return JSON.stringify(values);
}
