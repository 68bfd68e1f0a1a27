import { deriveEventId, type ChangeEvent } from '../../src/core/change-event.js';

/**
 * Events shaped like the drain benchmark's rows (an INSERT of a row with a ~`rowBytes` text column),
 * for measuring a sink alone without a database in front of it.
 */
export function syntheticEvents(sourceId: string, count: number, rowBytes: number): ChangeEvent[] {
  const table = 'public.bench_sink';
  const payload = 'x'.repeat(Math.max(0, rowBytes - 100));
  return Array.from({ length: count }, (_, i) => {
    const row = { id: i, k: i % 1000, payload, updated_at: '2024-01-02T03:04:05.123456Z' };
    return {
      event_id: deriveEventId(sourceId, table, 'trigger', `g:${i}`),
      source_db: sourceId,
      table_name: table,
      operation: 'INSERT',
      before_data: null,
      after_data: row,
      primary_key: { id: i },
      timestamp: '2024-01-02T03:04:05.123456Z',
      transaction_id: String(1000 + i),
      sequence_number: String(i + 1),
      source: { mode: 'trigger', position: `${1000 + i}/${i}`, txid: String(1000 + i), log_id: String(i) },
      schema_version: 1,
    } satisfies ChangeEvent;
  });
}
