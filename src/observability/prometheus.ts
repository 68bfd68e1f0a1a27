import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RouteMetrics } from '../consumers/metrics.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';

/** Prometheus metrics for the pipeline, served on `/metrics` when `--metrics-port` is set. */
export class PrometheusMetrics implements PipelineMetrics, RouteMetrics {
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
