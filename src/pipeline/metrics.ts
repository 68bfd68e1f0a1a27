/** What the pipeline reports; the Prometheus implementation lives in src/observability. */
export interface PipelineMetrics {
  delivered(table: string, count: number): void;
  retried(table: string, step: string): void;
  /** Whether the table's changes are being captured (false: its triggers are disabled or dropped). */
  capturing?(table: string, capturing: boolean): void;
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
}
