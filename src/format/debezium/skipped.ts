import type { ChangeEvent, Operation } from '../../core/change-event.js';
import { DEBEZIUM_DEFAULTS, type DebeziumOptions } from './options.js';

const CODES: Record<string, Operation> = { c: 'INSERT', u: 'UPDATE', d: 'DELETE', t: 'TRUNCATE' };

/**
 * Debezium's `skipped.operations` as a filter in front of the sink: Debezium's connectors emit no
 * truncate events unless asked, so a consumer written for them may not know `op: "t"`. A skipped
 * change is acknowledged like a filtered one. Null when nothing is skipped.
 */
export function skippedOperationsFilter(options: Partial<DebeziumOptions> = {}): ((event: ChangeEvent) => ChangeEvent | null) | null {
  const list = options['skipped.operations'] ?? DEBEZIUM_DEFAULTS['skipped.operations'];
  if (list === 'none') return null;
  const skipped = new Set(list.split(',').map((c) => CODES[c]));
  return (event) => (skipped.has(event.operation) ? null : event);
}
