import type { EventEncoder } from '../core/sink';
import { encodeDebezium } from './debezium';
import { encodeNative } from './native';

export const FORMATS = ['native', 'debezium'] as const;
export type Format = (typeof FORMATS)[number];

export function encoderFor(format: Format): EventEncoder {
  return format === 'debezium' ? encodeDebezium : encodeNative;
}
