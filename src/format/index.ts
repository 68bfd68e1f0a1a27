import type { EventEncoder } from '../core/sink.js';
import { debeziumEncoder, type DebeziumOptions } from './debezium/index.js';
import { encodeNative } from './native.js';

export const FORMATS = ['native', 'debezium'] as const;
export type Format = (typeof FORMATS)[number];

export function encoderFor(format: Format, debezium: Partial<DebeziumOptions> = {}): EventEncoder {
  return format === 'debezium' ? debeziumEncoder(debezium) : encodeNative;
}
