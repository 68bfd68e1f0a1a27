import type { EventEncoder } from '../core/sink';
import { debeziumEncoder, type DebeziumOptions } from './debezium';
import { encodeNative } from './native';

export const FORMATS = ['native', 'debezium'] as const;
export type Format = (typeof FORMATS)[number];

export function encoderFor(format: Format, debezium: Partial<DebeziumOptions> = {}): EventEncoder {
  return format === 'debezium' ? debeziumEncoder(debezium) : encodeNative;
}
