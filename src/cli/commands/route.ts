import { Command, Option } from 'commander';
import { LOG_LEVELS } from '../../config/schema.js';
import { resolveRouteFlags, type RouteFlags } from '../../consumers/options.js';
import { createLogger } from '../../logging.js';
import { PrometheusMetrics } from '../../observability/prometheus.js';
import { startConsumerRoute } from '../../../adapters/kafka/consumer-route.js';
import { parseIntFlag } from '../options.js';
import { addKafkaSecurityOptions, kafkaSecurityFromFlags, type KafkaSecurityFlags } from '../kafka-options.js';
import { onStopSignal } from '../signals.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerRoute(program: Command): void {
  const cmd = program
    .command('route')
    .addOption(new Option('--kafka <brokers>', 'Kafka bootstrap brokers host:port,…').env('CDC_KAFKA_BROKERS'))
    .addOption(new Option('--consumer-id <id>', 'the consumer: its topic is cdc.consumer.<id>, its consumer group cdc.consumer.<id>'))
    .addOption(new Option('--source-topic <topic>', "a topic of the source (repeat, or comma-separate: every table's topic)").argParser(collect))
    .addOption(new Option('--table <table>', 'keep only these tables, qualified: public.users (repeatable; default all)').argParser(collect))
    .addOption(new Option('--column <column>', 'keep only these columns in before/after; key columns always stay (repeatable; default all)').argParser(collect))
    .addOption(new Option('--operation <op>', 'keep only INSERT, UPDATE or DELETE (repeatable; snapshot reads count as INSERT, TRUNCATE as DELETE)').argParser(collect))
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics on 127.0.0.1:<port>/metrics').argParser(parseIntFlag('--metrics-port')).env('CDC_METRICS_PORT'))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).env('CDC_LOG_LEVEL').default('info'));
  addKafkaSecurityOptions(cmd).action(async (flags: RouteFlags & KafkaSecurityFlags & { logLevel: string; metricsPort?: number }) => {
    const { brokers, route } = resolveRouteFlags(flags);
    const security = kafkaSecurityFromFlags(flags, null);
    const logger = createLogger(flags.logLevel);
    const metrics = new PrometheusMetrics();
    const server = flags.metricsPort !== undefined ? await metrics.serve(flags.metricsPort) : null;
    let stopRequested: (() => void) | null = null;
    const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));
    const release = onStopSignal((signal) => {
      if (!stopRequested) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      logger.info({ signal }, 'stopping the consumer route: finishing the batch in flight');
      stopRequested();
      stopRequested = null;
    });
    try {
      const running = await startConsumerRoute(route, { brokers, security, clientId: `cdc-route-${route.consumerId}` }, logger, metrics);
      // A fatal stop (a source in the wrong format) rejects `finished` and ends the command with its error.
      await Promise.race([stopSignal, running.finished]);
      await running.stop();
    } finally {
      release();
      server?.close();
    }
  });
}
