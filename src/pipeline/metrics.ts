/** What the pipeline reports; the Prometheus implementation lives in src/observability. */
export interface PipelineMetrics {
  delivered(table: string, count: number): void;
  retried(table: string, step: string): void;
  /** Whether the table's changes are being captured (false: its triggers are disabled or dropped). */
  capturing?(table: string, capturing: boolean): void;
  /**
   * A batch was acknowledged by the sink and checkpointed: its changes' operations and source
   * timestamps (commit time for log modes, write time for triggers and polling), for lag and latency.
   */
  acknowledged?(table: string, changes: readonly { operation: string; timestamp: string }[]): void;
  /** A read found nothing waiting: the table is caught up. */
  caughtUp?(table: string): void;
}

/** What a `cdc worker` reports about the tables it owns (docs/workers.md). */
export interface WorkerMetrics {
  /** The table `<source_id>/<table>` is (or is no longer) owned by this worker. */
  owned?(table: string, owned: boolean): void;
  /** The table's state as this worker last set it. */
  tableState?(table: string, state: 'running' | 'failed' | 'standby'): void;
  /** The table stopped with a non-retryable error. */
  failed?(table: string): void;
  /** Workers connected to the queue, as this worker counted them. */
  workers?(count: number): void;
  /** Tables in this worker's config: what the workers together must own. */
  configured?(count: number): void;
}
