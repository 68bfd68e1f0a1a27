import type { CdcConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { wire, type WireOptions } from '../wiring.js';
import { startEmbeddedDemo } from '../demo/embedded-demo.js';
import { onStopSignal } from '../cli/signals.js';
import { safeTimeout } from '../core/timers.js';

/**
 * `cdc run`: wires the service, runs it until SIGTERM/SIGINT, and shuts down cleanly — the batch
 * being written is finished or abandoned (never half-checkpointed), checkpoints are flushed, exit 0.
 * A second signal, or the shutdown timeout, exits at once; unacknowledged batches are redelivered
 * by the next start with the same event_ids.
 */
export async function runService(
  config: CdcConfig,
  logger: Logger,
  options: Pick<WireOptions, 'connectTimeoutMs'> & { demo: boolean },
): Promise<number> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    stop.abort();
    safeTimeout(
      () => {
        logger.warn({ timeoutMs: config.shutdown_timeout_ms }, 'shutdown timed out; unacknowledged changes will be redelivered');
        process.exit(0);
      },
      config.shutdown_timeout_ms,
      { unref: true },
    );
  };
  const release = onStopSignal(onSignal);
  try {
    return await serve(config, logger, options, stop);
  } finally {
    release();
  }
}

async function serve(
  config: CdcConfig,
  logger: Logger,
  options: Pick<WireOptions, 'connectTimeoutMs'> & { demo: boolean },
  stop: AbortController,
): Promise<number> {
  const demo = options.demo ? await startEmbeddedDemo(logger, stop) : null;
  const effective = demo ? demo.configure(config) : config;
  let wired: Awaited<ReturnType<typeof wire>>;
  try {
    wired = await wire(effective, logger, { connectTimeoutMs: options.connectTimeoutMs, openDatabases: demo?.databases, signal: stop.signal });
  } catch (err) {
    await demo?.stop();
    // Stopped while still connecting (a database or broker unreachable): nothing ran, a clean stop.
    if (stop.signal.aborted) {
      logger.info({}, 'stopped during start-up');
      return 0;
    }
    throw err;
  }
  try {
    await wired.service.run(stop.signal);
    logger.info({}, 'stopped');
    return 0;
  } finally {
    await demo?.stop();
    await wired.close();
  }
}
