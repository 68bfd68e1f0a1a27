import type { ConnectSchema } from './connect-schema.js';
import { schema } from './connect-schema.js';
import type { DebeziumOptions } from './options.js';

/** One column's Debezium encoding: its Connect schema and canonical value → JSON value. */
export interface Codec {
  schema: ConnectSchema;
  /** Never called with null (NULL stays null); returns the input unchanged when it cannot apply. */
  encode(value: unknown): unknown;
}

export function passThrough(s: ConnectSchema): Codec {
  return { schema: s, encode: (v) => v };
}

/** Binary columns (canonically base64) by binary.handling.mode; JsonConverter writes bytes as base64. */
export function binary(o: DebeziumOptions): Codec {
  const mode = o['binary.handling.mode'];
  if (mode === 'hex') return { schema: schema('string'), encode: (v) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : v) };
  return passThrough(schema(mode === 'base64' ? 'string' : 'bytes'));
}
