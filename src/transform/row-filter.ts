/**
 * Applies a `where` predicate to an event. Which image decides:
 *   INSERT, SNAPSHOT — after_data.        DELETE — before_data.        TRUNCATE — always passes.
 *   UPDATE — after_data; if it no longer matches but before_data did, the row has left the
 *            filtered view: the event is re-emitted as a DELETE (before_data kept, after_data
 *            null, `source.row_filter: "left"`), so consumers that mirror the filtered rows drop
 *            it instead of keeping a stale copy forever. A row entering the view passes as the
 *            UPDATE it is (consumers upsert).
 * An event the predicate cannot decide — no image, or the image lacks a column the expression
 * reads (a key-only before image) — passes: a filter never drops what it cannot judge.
 */
import type { ChangeEvent, Row } from '../core/change-event.js';
import type { RowPredicate } from './predicate.js';

export type RowFilter = (event: ChangeEvent) => ChangeEvent | null;

/** `emitLeaves`: false when `operations` excludes DELETE, so no DELETE is synthesized either. */
export function rowFilter(predicate: RowPredicate, emitLeaves: boolean): RowFilter {
  const passes = (row: Row | null): boolean => row === null || predicate(row) !== 'no-match';
  return (event) => {
    switch (event.operation) {
      case 'TRUNCATE':
        return event;
      case 'DELETE':
        return passes(event.before_data) ? event : null;
      case 'UPDATE':
        if (passes(event.after_data)) return event;
        return emitLeaves && event.before_data !== null && passes(event.before_data) ? leftView(event) : null;
      default:
        return passes(event.after_data) ? event : null;
    }
  };
}

function leftView(event: ChangeEvent): ChangeEvent {
  return { ...event, operation: 'DELETE', after_data: null, source: { ...event.source, row_filter: 'left' } };
}
