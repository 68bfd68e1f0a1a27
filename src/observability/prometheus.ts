import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RouteMetrics } from '../consumers/metrics.js';
import type { PipelineMetrics, WorkerMetrics } from '../pipeline/metrics.js';

const TABLE_STATES = ['running', 'failed', 'standby'] as const;

/** Prometheus metrics for the pipeline, served on `/metrics` when `--metrics-port` is set. */
export class PrometheusMetrics implements PipelineMetrics, RouteMetrics, WorkerMetrics {
  readonly registry = new Registry();
  private readonly events = new Counter({
    name: 'cdc_events_delivered_total',
    help: 'Events acknowledged by the sink and checkpointed',
    labelNames: ['table'],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'cdc_retries_total',
    help: 'Retried failures by pipeline step',
    labelNames: ['table', 'step'],
    registers: [this.registry],
  });

  private readonly capture = new Gauge({
    name: 'cdc_capture_active',
    help: 'Whether the table\'s changes are being captured: 0 while its capture triggers are disabled or dropped',
    labelNames: ['table'],
    registers: [this.registry],
  });

  private readonly routedRecords = new Counter({
    name: 'cdc_consumer_routed_total',
    help: 'Records a consumer route wrote into its consumer topic (committed with their source offsets)',
    labelNames: ['consumer'],
    registers: [this.registry],
  });

  private readonly skippedRecords = new Counter({
    name: 'cdc_consumer_skipped_total',
    help: 'Records of a source topic a consumer route skipped because they are not native change events',
    labelNames: ['consumer'],
    registers: [this.registry],
  });

  private readonly byOperation = new Counter({
    name: 'cdc_changes_delivered_total',
    help: 'Changes acknowledged by the sink and checkpointed, by operation (INSERT, UPDATE, DELETE, SNAPSHOT, TRUNCATE)',
    labelNames: ['table', 'operation'],
    registers: [this.registry],
  });
  private readonly lag = new Gauge({
    name: 'cdc_lag_seconds',
    help: 'Age of the oldest change of the last batch checkpointed (its source timestamp to now); 0 once a read finds nothing waiting',
    labelNames: ['table'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'cdc_commit_to_ack_seconds',
    help: 'From the change at the source (commit time in wal/binlog/oplog, write time with triggers and polling) to its checkpoint after the sink acknowledged it',
    labelNames: ['table'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly ownedTables = new Gauge({
    name: 'cdc_worker_table_owned',
    help: 'cdc worker: 1 while this worker owns the table (<source_id>/<table>); summed over workers it must be 1',
    labelNames: ['table', 'worker'],
    registers: [this.registry],
  });
  private readonly states = new Gauge({
    name: 'cdc_table_state',
    help: 'cdc worker: 1 for the state this worker last set for the table (running, failed, standby), 0 for the others',
    labelNames: ['table', 'state'],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'cdc_table_failures_total',
    help: 'cdc worker: times the table stopped with a non-retryable error and was marked FAILED',
    labelNames: ['table'],
    registers: [this.registry],
  });
  private readonly liveWorkers = new Gauge({
    name: 'cdc_workers_live',
    help: 'cdc worker: workers connected to the queue, as this worker last counted them',
    registers: [this.registry],
  });
  private readonly configuredTables = new Gauge({
    name: 'cdc_worker_tables_configured',
    help: "cdc worker: tables in this worker's config, which the workers together must own",
    registers: [this.registry],
  });
  /** Set by `cdc worker`: the worker's name, a label of its ownership gauge. */
  workerName = '';

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  delivered(table: string, count: number): void {
    this.events.inc({ table }, count);
  }

  retried(table: string, step: string): void {
    this.retries.inc({ table, step });
  }

  capturing(table: string, capturing: boolean): void {
    this.capture.set({ table }, capturing ? 1 : 0);
  }

  routed(consumer: string, count: number): void {
    this.routedRecords.inc({ consumer }, count);
  }

  skipped(consumer: string, count: number): void {
    this.skippedRecords.inc({ consumer }, count);
  }

  acknowledged(table: string, changes: readonly { operation: string; timestamp: string }[]): void {
    const now = Date.now();
    let oldest = now;
    const ops = new Map<string, number>();
    for (const c of changes) {
      ops.set(c.operation, (ops.get(c.operation) ?? 0) + 1);
      const at = Date.parse(c.timestamp);
      if (Number.isNaN(at)) continue;
      if (at < oldest) oldest = at;
      this.latency.observe({ table }, Math.max(0, now - at) / 1000);
    }
    for (const [operation, n] of ops) this.byOperation.inc({ table, operation }, n);
    this.lag.set({ table }, (now - oldest) / 1000);
  }

  caughtUp(table: string): void {
    this.lag.set({ table }, 0);
  }

  owned(table: string, owned: boolean): void {
    this.ownedTables.set({ table, worker: this.workerName }, owned ? 1 : 0);
  }

  tableState(table: string, state: (typeof TABLE_STATES)[number]): void {
    for (const s of TABLE_STATES) this.states.set({ table, state: s }, s === state ? 1 : 0);
  }

  failed(table: string): void {
    this.failures.inc({ table });
  }

  workers(count: number): void {
    this.liveWorkers.set(count);
  }

  configured(count: number): void {
    this.configuredTables.set(count);
  }

  serve(port: number): Promise<Server> {
    const server = createServer(async (req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(await this.registry.metrics());
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  }
}
