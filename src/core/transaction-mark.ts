import type { ChangeEvent, Operation } from './change-event.js';

/**
 * Where a change sits in its source transaction, for Debezium's `provide.transaction.metadata`:
 * the `transaction` block of each event and the BEGIN/END records of the transaction topic. Only
 * a capture mode that sees its transactions whole (wal, binlog) sets it; the counts cover the
 * events that mode emits for the transaction (row changes, never snapshot rows or truncates).
 */
export interface TransactionMark {
  /** Debezium's transaction id for the connector (PostgreSQL `<xid>:<lsn>`, MySQL/MariaDB the GTID). */
  id: string;
  /** 1-based position among all the transaction's events. */
  totalOrder: number;
  /** 1-based position among the transaction's events of this table. */
  collectionOrder: number;
  /** The transaction's first event: a BEGIN record goes before it. */
  begin: boolean;
  /** Set on the transaction's last event: an END record goes after it, with these counts. */
  end: { eventCount: number; collections: { name: string; eventCount: number }[] } | null;
  /** Source time of the transaction (its commit), ISO-8601 UTC. */
  timestamp: string;
  /** The id Debezium's END record carries, where it differs from `id` (PostgreSQL: the commit LSN's). */
  endId?: string;
}

const MARK = Symbol('cdc.transactionMark');

/**
 * Hands the mark to the encoders with the event, invisibly (as attachTableSpec does): the native
 * format and event_id stay byte-for-byte what they were.
 */
export function attachTransactionMark<T extends ChangeEvent>(event: T, mark: TransactionMark): T {
  Object.defineProperty(event, MARK, { value: mark, enumerable: false, configurable: true });
  return event;
}

export function transactionMarkOf(event: ChangeEvent): TransactionMark | undefined {
  return (event as unknown as Record<symbol, TransactionMark | undefined>)[MARK];
}

/**
 * Which changes count among a transaction's events: row changes. Debezium's snapshot rows belong
 * to no transaction, and truncates are skipped by default (`skipped.operations`), so counting them
 * would make END promise events that never come.
 */
export function isTransactionEvent(operation: Operation): boolean {
  return operation === 'INSERT' || operation === 'UPDATE' || operation === 'DELETE';
}
