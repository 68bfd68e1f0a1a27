import { Option, type Command } from 'commander';
import { bullConnection } from '../../../adapters/bullmq/connection.js';
import { CAPTURE_WORKER_DEFAULTS, CaptureWorker, QUEUE_DEFAULTS, tableKey } from '../../../adapters/bullmq/capture-worker.js';
import { ConfigError } from '../../core/errors.js';
import { safeTimeout } from '../../core/timers.js';
import { createLogger, redactUrl } from '../../logging.js';
import { wireTables } from '../../wiring.js';
import { parseIntFlag } from '../options.js';
import { onStopSignal } from '../signals.js';
import { addRunOptions, configFromFlags, type RunFlags } from './run.js';

interface WorkerFlags extends RunFlags {
  redis?: string;
  queue: string;
  queuePrefix: string;
  failedRetry: number;
}

export function registerWorker(program: Command): void {
  addRunOptions(program.command('worker'))
    .addOption(new Option('--redis <url>', 'Redis the workers share (redis://host:port/db, rediss://… for TLS)').env('CDC_REDIS_URL'))
    .addOption(new Option('--queue <name>', 'BullMQ queue of the tables').env('CDC_QUEUE').default(QUEUE_DEFAULTS.queue))
    .addOption(new Option('--queue-prefix <prefix>', 'BullMQ key prefix in Redis').env('CDC_QUEUE_PREFIX').default(QUEUE_DEFAULTS.prefix))
    .addOption(
      new Option('--failed-retry <seconds>', 'how long a FAILED table waits before it is tried again')
        .argParser(parseIntFlag('--failed-retry'))
        .env('CDC_FAILED_RETRY')
        .default(CAPTURE_WORKER_DEFAULTS.failedRetryMs / 1000),
    )
    .action(async (flags: WorkerFlags) => {
      if (!flags.redis) throw new ConfigError('cdc worker needs --redis <url> (or CDC_REDIS_URL): the workers share their tables through it');
      const config = configFromFlags(flags);
      if (config.sources.length === 0) throw new ConfigError('no source configured: pass --source <url> or a config file with "sources"');
      const logger = createLogger(config.log_level);
      const stop = new AbortController();
      let worker: CaptureWorker | null = null;
      const release = onStopSignal((signal) => {
        if (stop.signal.aborted) process.exit(1);
        logger.info({ signal }, 'shutting down: handing tables over');
        stop.abort();
        void worker?.stop();
        safeTimeout(() => process.exit(0), config.shutdown_timeout_ms, { unref: true });
      });
      // Before any database is opened: a malformed --redis URL starts nothing.
      const redis = bullConnection(flags.redis);
      try {
        const wired = await wireTables(config, logger, { connectTimeoutMs: flags.connectTimeout * 1000, signal: stop.signal });
        try {
          if (stop.signal.aborted) return;
          const tables = new Map(wired.jobs.map((j) => [tableKey(j), j]));
          worker = new CaptureWorker(tables, redis, logger, wired.metrics, {
            ...CAPTURE_WORKER_DEFAULTS,
            queue: flags.queue,
            prefix: flags.queuePrefix,
            failedRetryMs: flags.failedRetry * 1000,
          });
          wired.metrics.workerName = worker.name;
          logger.info({ redis: redactUrl(flags.redis), queue: flags.queue }, 'joining');
          await worker.run();
        } finally {
          await wired.sink.close().catch(() => undefined);
          await wired.close();
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        throw err;
      } finally {
        redis.disconnect();
        release();
      }
    });
}
