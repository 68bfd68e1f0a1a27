/** What the pipeline reports; the Prometheus implementation lives in src/observability. */
export interface PipelineMetrics {
  delivered(table: string, count: number): void;
  retried(table: string, step: string): void;
}
