/**
 * What one record costs a produce request, for cutting requests below a topic's
 * max.message.bytes: the broker checks that limit against a whole record batch, and both Kafka
 * clients put everything for one partition of a send into one batch. Used by the sinks (kafkajs and
 * @platformatic/kafka) and by replay's writer, so they cut at the same sizes.
 */

/** Bytes a record costs beyond key, value and headers (record and batch framing), with margin. */
export const RECORD_OVERHEAD = 128;

/** Per header, beyond its name and value: varint lengths, with margin. */
const HEADER_OVERHEAD = 8;

type Bytes = Buffer | string | null | undefined;

export function recordBytes(key: Bytes, value: Bytes, headers?: Readonly<Record<string, Bytes | Bytes[]>>): number {
  let size = RECORD_OVERHEAD + byteLength(key) + byteLength(value);
  if (headers) {
    for (const name in headers) {
      const v = headers[name];
      if (Array.isArray(v)) for (const one of v) size += Buffer.byteLength(name) + byteLength(one) + HEADER_OVERHEAD;
      else size += Buffer.byteLength(name) + byteLength(v) + HEADER_OVERHEAD;
    }
  }
  return size;
}

function byteLength(v: Bytes): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}
