import { Command, Option } from 'commander';
import { LOG_LEVELS, type CdcConfig } from '../../config/schema.js';
import { UserInputError } from '../../core/errors.js';
import { createLogger } from '../../logging.js';
import { serve, servedOpenApiDocument } from '../../serve/serve.js';
import { onStopSignal } from '../signals.js';
import { parseIntFlag } from '../options.js';

export const DEFAULT_REGISTRY = '.cdc/registry.sqlite';

export const registryOption = () =>
  new Option('--registry <location>', 'registry: an SQLite file, or postgres://… / mysql://… for several cdc serve processes').env('CDC_REGISTRY').default(DEFAULT_REGISTRY);

interface ServeFlags {
  listen: string;
  healthListen?: string;
  registry: string;
  registryKeyFile?: string;
  kafka?: string;
  logLevel: CdcConfig['log_level'];
  connectTimeout: number;
  reconcileInterval: number;
  printOpenapi?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .addOption(new Option('--listen <host:port>', 'API address').env('CDC_LISTEN').default('127.0.0.1:8080'))
    .addOption(new Option('--health-listen <host:port>', 'serve /healthz and /readyz on this address instead of the API\'s').env('CDC_HEALTH_LISTEN'))
    .addOption(registryOption())
    .addOption(new Option('--registry-key-file <file>', 'file holding the key that encrypts connection strings (else CDC_REGISTRY_KEY)').env('CDC_REGISTRY_KEY_FILE'))
    .addOption(new Option('--kafka <brokers>', 'Kafka bootstrap brokers host:port,…').env('CDC_KAFKA_BROKERS'))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).env('CDC_LOG_LEVEL').default('info'))
    .addOption(new Option('--connect-timeout <seconds>', 'how long a start waits for an unreachable database or broker').argParser(parseIntFlag('--connect-timeout')).env('CDC_CONNECT_TIMEOUT').default(30))
    .addOption(new Option('--reconcile-interval <ms>', 'how often sources started or stopped by another cdc serve are picked up').argParser(parseIntFlag('--reconcile-interval')).default(2000))
    .addOption(new Option('--print-openapi', 'print the OpenAPI document and exit (docs/openapi.json)'))
    .action(async (flags: ServeFlags) => {
      if (flags.printOpenapi) {
        process.stdout.write(JSON.stringify(servedOpenApiDocument(), null, 2) + '\n');
        return;
      }
      const brokers = (flags.kafka ?? '').split(',').map((b) => b.trim()).filter(Boolean);
      if (brokers.length === 0) throw new UserInputError('missing --kafka <host:port,…> (or CDC_KAFKA_BROKERS)');
      const stop = new AbortController();
      const release = onStopSignal(() => stop.abort());
      try {
        await serve(
          {
            listen: parseAddress('--listen', flags.listen),
            healthListen: flags.healthListen ? parseAddress('--health-listen', flags.healthListen) : undefined,
            registry: flags.registry,
            registryKeyFile: flags.registryKeyFile,
            brokers,
            logLevel: flags.logLevel,
            connectTimeoutMs: flags.connectTimeout * 1000,
            reconcileMs: flags.reconcileInterval,
          },
          createLogger(flags.logLevel),
          stop.signal,
        );
      } finally {
        release();
      }
    });
}

function parseAddress(flag: string, value: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new UserInputError(`${flag} ${JSON.stringify(value)}: expected host:port, e.g. 127.0.0.1:8080`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
}
