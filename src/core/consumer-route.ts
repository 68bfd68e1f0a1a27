export type ConsumerOperation = 'INSERT' | 'UPDATE' | 'DELETE';
export interface ConsumerRoute {
  consumerId: string;
  /** The source's topics: every topic the source's tables write to (one per table). */
  sourceTopics: string[];
  /** cdc.consumer.<consumerId> */
  targetTopic: string;
  /** Qualified table names (schema.table, or db.table); empty = every table. */
  tables: string[];
  /** Column names kept in before/after (key columns always kept); empty = all columns. */
  columns: string[];
  /** Empty = every operation. Snapshot reads count as INSERT. */
  operations: ConsumerOperation[];
}
export interface RunningRoute { stop(): Promise<void> }
