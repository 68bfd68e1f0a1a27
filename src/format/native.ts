import type { ChangeEvent } from '../core/change-event.js';
import type { EncodedMessage } from '../core/sink.js';

/**
 * The message key is the primary key as compact JSON (`{"id":42}`) in key-column order, so every
 * change of one row lands in one partition, in order. TRUNCATE has no key.
 */
export function messageKey(event: ChangeEvent): string | null {
  return event.primary_key ? JSON.stringify(event.primary_key) : null;
}

export function eventHeaders(event: ChangeEvent): Record<string, string> {
  return {
    'cdc.event_id': event.event_id,
    'cdc.operation': event.operation,
    'cdc.mode': event.source.mode,
    'cdc.sequence_number': event.sequence_number,
  };
}

/** The native format: the ChangeEvent itself as JSON. */
export function encodeNative(event: ChangeEvent): EncodedMessage {
  return { key: messageKey(event), value: Buffer.from(JSON.stringify(event)), headers: eventHeaders(event) };
}
