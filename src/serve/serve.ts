import { topicName } from '../core/topic-name.js';
import { createKafkaClient } from '../../adapters/kafka/client.js';
import { KAFKA_DEFAULTS, NO_KAFKA_SECURITY } from '../config/kafka-settings.js';
import type { CdcConfig } from '../config/schema.js';
import type { RunningRoute, ConsumerRoute } from '../core/consumer-route.js';
import type { Logger } from '../core/logger.js';
import { CaptureManager } from './capture-manager.js';
import type { ServeContext } from './context.js';
import { openApiDocument } from './openapi.js';
import { openRegistry } from './registry/registry.js';
import { getSourceRow, loadSourceSpec, type SourceRow } from './registry/sources-store.js';
import { resolveRegistryKey } from './registry-key.js';
import { RouteMap } from './route-runner.js';
import { consumerRoutes, routeOf } from './routes/consumers.js';
import { healthRoutes } from './routes/health.js';
import { sourceRoutes } from './routes/sources.js';
import { replayRoutes } from './routes/replays.js';
import { ReplayJobs } from './replay-jobs.js';
import { buildServer } from './server.js';
import { registerStatusPage } from './status-page.js';
import type { ApiRoute } from './api-route.js';
import { z } from 'zod';
import { replay } from '../../adapters/kafka/replay/replay.js';
import { startConsumerRoute, type KafkaConsumerRoute, type RouteKafkaOptions } from '../../adapters/kafka/consumer-route.js';
import { sleep } from '../pipeline/backoff.js';

export interface ServeOptions {
  listen: { host: string; port: number };
  /** Health probes on their own address (e.g. for a load balancer), besides the API's. */
  healthListen?: { host: string; port: number };
  registry: string;
  registryKeyFile?: string;
  brokers: string[];
  logLevel: CdcConfig['log_level'];
  connectTimeoutMs: number;
  /** How often the registry is read for sources started or stopped by another `cdc serve`. */
  reconcileMs: number;
}

/** How long a consumer's router waits before starting again after it could not start or stopped. */
const ROUTE_RETRY_MS = 5_000;

/**
 * Runs a consumer's router (adapters/kafka/consumer-route.ts) for as long as the consumer exists.
 * A consumer may be created before its source has written anything: the router refuses while
 * its source topics do not exist, so it is started again every few seconds until they do. A router
 * that stops on an error is logged and started again the same way; it resumes from the offsets
 * its consumer group committed, so nothing is lost or routed twice.
 */
function supervisedRoute(route: ConsumerRoute, kafka: RouteKafkaOptions, logger: Logger): RunningRoute {
  const stopped = new AbortController();
  const log = logger.child({ consumer: route.consumerId });
  let current: KafkaConsumerRoute | null = null;
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      try {
        current = await startConsumerRoute(route, kafka, log);
        if (stopped.signal.aborted) {
          await current.stop();
          return;
        }
        await current.finished;
        if (stopped.signal.aborted) return;
        log.warn({}, `consumer route stopped; starting again in ${ROUTE_RETRY_MS / 1000} s`);
      } catch (err) {
        log.warn({ err: (err as Error).message }, `consumer route not running; retrying in ${ROUTE_RETRY_MS / 1000} s`);
      }
      current = null;
      await sleep(ROUTE_RETRY_MS, stopped.signal);
    }
  })();
  return {
    async stop() {
      stopped.abort();
      await current?.stop();
      await loop;
    },
  };
}

/** `cdc serve`: the one place the service is wired. Resolves when `signal` aborts and all stopped. */
export async function serve(options: ServeOptions, logger: Logger, signal: AbortSignal): Promise<void> {
  const box = resolveRegistryKey(options.registry, options.registryKeyFile, process.env);
  const db = await openRegistry(options.registry);
  const captures = new CaptureManager({ brokers: options.brokers, logLevel: options.logLevel, connectTimeoutMs: options.connectTimeoutMs }, logger);
  const routeKafka: RouteKafkaOptions = { brokers: options.brokers, security: NO_KAFKA_SECURITY, clientId: 'cdc-serve' };
  const routes = new RouteMap(async (route) => supervisedRoute(route, routeKafka, logger));
  const replays = new ReplayJobs(db, { brokers: options.brokers, security: NO_KAFKA_SECURITY, connectTimeoutMs: options.connectTimeoutMs }, replay, logger);
  const ctx: ServeContext = {
    db,
    box,
    captures,
    routes,
    replays,
    logger,
    topicOf: (sourceId, table) => topicName(KAFKA_DEFAULTS.topicTemplate, sourceId, table),
    deleteTopic: async (topic) => {
      const admin = createKafkaClient({ clientId: 'cdc-serve', brokers: options.brokers, security: NO_KAFKA_SECURITY, connectionTimeoutMs: KAFKA_DEFAULTS.connectionTimeoutMs, requestTimeoutMs: KAFKA_DEFAULTS.requestTimeoutMs, retry: { retries: 2 } }).admin();
      await admin.connect();
      try {
        if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
      } finally {
        await admin.disconnect();
      }
    },
  };
  const api: ApiRoute[] = [...sourceRoutes(ctx), ...consumerRoutes(ctx), ...replayRoutes(ctx)];
  const health = healthRoutes(db);
  const document = servedOpenApiDocument();
  const docRoute: ApiRoute = { method: 'GET', url: '/api/v1/openapi.json', summary: 'This document', scope: null, responses: { 200: z.object({}).passthrough() }, handler: async () => document };
  const app = buildServer([...(options.healthListen ? [] : health), docRoute, ...api], db, logger);
  registerStatusPage(app);
  const healthApp = options.healthListen ? buildServer(health, db, logger) : null;

  for (const c of await db('consumers').select()) await routes.start(await routeOf(ctx, c));
  const reconcile = async () => {
    const started = new Map((await db<SourceRow>('sources').where({ status: 'STARTED' })).map((r) => [r.id, r]));
    for (const id of captures.runningIds()) if (!started.has(id)) await captures.stop(id);
    for (const row of started.values()) {
      if (captures.isRunning(row.id)) continue;
      const fresh = await getSourceRow(db, row.id);
      if (fresh?.status === 'STARTED') await captures.start(await loadSourceSpec(db, box, fresh));
    }
  };
  let reconciling = Promise.resolve();
  const timer = setInterval(() => {
    reconciling = reconciling.then(reconcile).catch((err) => logger.warn({ err: (err as Error).message }, 'reconcile failed; retrying'));
  }, options.reconcileMs);

  try {
    await app.listen(options.listen);
    if (healthApp) await healthApp.listen(options.healthListen!);
    logger.info({ listen: app.addresses(), health: healthApp?.addresses() }, 'cdc serve listening');
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    logger.info({}, 'shutting down');
  } finally {
    clearInterval(timer);
    await reconciling;
    await app.close();
    await healthApp?.close();
    await captures.stopAll();
    await routes.stopAll();
    await replays.interruptAll();
    await db.destroy();
  }
}

/** The document as served, for docs/openapi.json (`cdc serve --print-openapi`) and its test. */
export function servedOpenApiDocument(): Record<string, unknown> {
  const ctx = {} as ServeContext;
  return openApiDocument([...healthRoutes(null as never), ...sourceRoutes(ctx), ...consumerRoutes(ctx), ...replayRoutes(ctx)], '1');
}
