/** What a consumer route reports; the Prometheus implementation lives in src/observability. */
export interface RouteMetrics {
  /** Records written into the consumer's topic (committed with their offsets). */
  routed(consumerId: string, count: number): void;
  /** Records of a source topic that are not native change events, skipped with a warning. */
  skipped(consumerId: string, count: number): void;
}
