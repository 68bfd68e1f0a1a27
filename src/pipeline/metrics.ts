/** What the pipeline reports; the Prometheus implementation lives in src/observability. */
export interface PipelineMetrics {
  delivered(table: string, count: number): void;
  retried(table: string, step: string): void;
  /** Whether the table's changes are being captured (false: its triggers are disabled or dropped). */
  capturing?(table: string, capturing: boolean): void;
}
