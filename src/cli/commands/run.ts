import { Command, Option } from 'commander';
import { OVERSIZE_POLICIES } from '../../config/kafka-settings.js';
import { readConfigFile, validateConfig } from '../../config/load.js';
import { LOG_LEVELS, SINKS } from '../../config/schema.js';
import { FORMATS } from '../../format/index.js';
import { BINARY_HANDLING_MODES, DECIMAL_HANDLING_MODES, INTERVAL_HANDLING_MODES, TIME_PRECISION_MODES } from '../../format/debezium/options.js';
import { splitTableList } from '../../core/table-ref.js';
import { createLogger } from '../../logging.js';
import { runService } from '../../service/run-service.js';
import { parseIntFlag } from '../options.js';
import { UserInputError } from '../../core/errors.js';
import { addKafkaSecurityOptions, applyKafkaSecurityFlags, type KafkaSecurityFlags } from '../kafka-options.js';

export interface RunFlags extends KafkaSecurityFlags {
  config?: string;
  source?: string;
  sourceId?: string;
  kafka?: string;
  table?: string;
  sink?: string;
  format?: string;
  schedule?: string;
  batchSize?: number;
  topicTemplate?: string;
  partitions?: number;
  onOversize?: string;
  logLevel?: string;
  metricsPort?: number;
  state?: string;
  statePasswordFile?: string;
  sourcePasswordFile?: string;
  connectTimeout: number;
  decimalHandlingMode?: string;
  timePrecisionMode?: string;
  binaryHandlingMode?: string;
  intervalHandlingMode?: string;
  tombstonesOnDelete?: string;
  topicPrefix?: string;
  debeziumSchemas?: string;
  skippedOperations?: string;
  provideTransactionMetadata?: string;
}

export function registerRun(program: Command): void {
  addRunOptions(program.command('run'))
    .action(async (flags: RunFlags) => {
      const config = configFromFlags(flags);
      const logger = createLogger(config.log_level);
      const demo = config.sources.length === 0 && !flags.config;
      process.exitCode = await runService(config, logger, { connectTimeoutMs: flags.connectTimeout * 1000, demo });
    });
}

/** The config file with the flags applied over it, validated: what `cdc run` and `cdc worker` run. */
export function configFromFlags(flags: RunFlags) {
  const raw = (flags.config ? readConfigFile(flags.config) : {}) as Record<string, any>;
  return validateConfig(applyFlags(raw, flags), flags.config ? `config file ${flags.config}` : 'options');
}

/** `cdc run`'s options, which `cdc worker` takes too (same config, docs/workers.md). */
export function addRunOptions(command: Command): Command {
  const cmd = command
    .addOption(new Option('--config <file>', 'YAML/JSON config file for many sources and options').env('CDC_CONFIG'))
    .addOption(new Option('--source <url>', 'source database (without any source: the embedded demo)').env('CDC_SOURCE_URL'))
    .addOption(new Option('--source-id <name>', 'names the source in topics and events (default: database name)').env('CDC_SOURCE_ID'))
    .addOption(new Option('--kafka <brokers>', 'Kafka bootstrap brokers host:port,…').env('CDC_KAFKA_BROKERS'))
    .addOption(new Option('--table <tables>', 'tables to capture (default: all installed)').env('CDC_TABLES'))
    .addOption(new Option('--sink <sink>', 'where events go').choices(SINKS).env('CDC_SINK'))
    .addOption(new Option('--format <format>', 'event format').choices(FORMATS).env('CDC_FORMAT'))
    .addOption(new Option('--decimal-handling-mode <mode>', 'debezium: decimal.handling.mode').choices(DECIMAL_HANDLING_MODES).env('CDC_DECIMAL_HANDLING_MODE'))
    .addOption(new Option('--time-precision-mode <mode>', 'debezium: time.precision.mode').choices(TIME_PRECISION_MODES).env('CDC_TIME_PRECISION_MODE'))
    .addOption(new Option('--binary-handling-mode <mode>', 'debezium: binary.handling.mode').choices(BINARY_HANDLING_MODES).env('CDC_BINARY_HANDLING_MODE'))
    .addOption(new Option('--interval-handling-mode <mode>', 'debezium: interval.handling.mode').choices(INTERVAL_HANDLING_MODES).env('CDC_INTERVAL_HANDLING_MODE'))
    .addOption(new Option('--tombstones-on-delete <bool>', 'debezium: tombstones.on.delete (default true)').choices(['true', 'false']).env('CDC_TOMBSTONES_ON_DELETE'))
    .addOption(new Option('--topic-prefix <prefix>', 'debezium: topic.prefix; topics <prefix>.<schema>.<table>').env('CDC_TOPIC_PREFIX'))
    .addOption(
      new Option('--debezium-schemas [bool]', 'debezium: JsonConverter schemas.enable (the flag alone: true)').choices(['true', 'false']).preset('true').env('CDC_DEBEZIUM_SCHEMAS'),
    )
    .addOption(new Option('--skipped-operations <ops>', 'debezium: skipped.operations, none or c,u,d,t (default t)').env('CDC_SKIPPED_OPERATIONS'))
    .addOption(
      new Option('--provide-transaction-metadata [bool]', 'debezium: provide.transaction.metadata, wal and binlog modes only (the flag alone: true)')
        .choices(['true', 'false'])
        .preset('true')
        .env('CDC_PROVIDE_TRANSACTION_METADATA'),
    )
    .addOption(new Option('--schedule <schedule>', 'poll schedule: duration (50ms) or cron (*/5 * * * * *)').env('CDC_SCHEDULE'))
    .addOption(new Option('--batch-size <n>', 'changes per batch').argParser(parseIntFlag('--batch-size')).env('CDC_BATCH_SIZE'))
    .addOption(new Option('--topic-template <template>', 'topic name template').env('CDC_TOPIC_TEMPLATE'))
    .addOption(new Option('--partitions <n>', 'partitions of topics cdc creates').argParser(parseIntFlag('--partitions')).env('CDC_TOPIC_PARTITIONS'))
    .addOption(new Option('--on-oversize <policy>', 'event larger than Kafka accepts').choices(OVERSIZE_POLICIES).env('CDC_ON_OVERSIZE'))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).env('CDC_LOG_LEVEL'))
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics on 127.0.0.1:<port>/metrics').argParser(parseIntFlag('--metrics-port')).env('CDC_METRICS_PORT'))
    .addOption(new Option('--state <url>', 'state store of polled tables (redis://host:port/db); streams them too').env('CDC_STATE_URL'))
    .addOption(new Option('--state-password-file <file>', "file holding the state store's password").env('CDC_STATE_PASSWORD_FILE'))
    .addOption(new Option('--source-password-file <file>', "file holding the password of --source's user").env('CDC_SOURCE_PASSWORD_FILE'))
    .addOption(
      new Option('--connect-timeout <seconds>', 'how long start-up waits for an unreachable database or broker')
        .argParser(parseIntFlag('--connect-timeout'))
        .env('CDC_CONNECT_TIMEOUT')
        .default(30),
    );
  return addKafkaSecurityOptions(cmd);
}

/** Flags override the config file; `--source` replaces the file's sources with one. */
function applyFlags(raw: Record<string, any>, f: RunFlags): Record<string, any> {
  const c = structuredClone(raw);
  const set = (path: string[], value: unknown) => {
    if (value === undefined) return;
    let node = c;
    for (const key of path.slice(0, -1)) node = node[key] ??= {};
    node[path.at(-1)!] = value;
  };
  if (f.source) {
    c.sources = [{ url: f.source, ...(f.sourcePasswordFile ? { password_file: f.sourcePasswordFile } : {}), ...(f.sourceId ? { id: f.sourceId } : {}), ...(f.table ? { tables: splitTableList(f.table) } : {}) }];
  } else if (f.sourcePasswordFile) {
    throw new UserInputError('--source-password-file goes with --source; in a config file use sources[].password_file');
  } else if (f.sourceId || f.table) {
    for (const s of c.sources ?? []) {
      if (f.sourceId) s.id = f.sourceId;
      if (f.table) s.tables = splitTableList(f.table);
    }
  }
  set(['kafka', 'brokers'], f.kafka?.split(',').map((b) => b.trim()).filter(Boolean));
  set(['kafka', 'topic_template'], f.topicTemplate);
  set(['kafka', 'partitions'], f.partitions);
  set(['kafka', 'on_oversize'], f.onOversize);
  set(['sink'], f.sink);
  set(['format'], f.format);
  set(['debezium', 'decimal.handling.mode'], f.decimalHandlingMode);
  set(['debezium', 'time.precision.mode'], f.timePrecisionMode);
  set(['debezium', 'binary.handling.mode'], f.binaryHandlingMode);
  set(['debezium', 'interval.handling.mode'], f.intervalHandlingMode);
  set(['debezium', 'tombstones.on.delete'], f.tombstonesOnDelete === undefined ? undefined : f.tombstonesOnDelete === 'true');
  set(['debezium', 'topic.prefix'], f.topicPrefix);
  set(['debezium', 'skipped.operations'], f.skippedOperations);
  set(['debezium', 'schemas.enable'], f.debeziumSchemas === undefined ? undefined : f.debeziumSchemas === 'true');
  set(['debezium', 'provide.transaction.metadata'], f.provideTransactionMetadata === undefined ? undefined : f.provideTransactionMetadata === 'true');
  set(['defaults', 'schedule'], f.schedule);
  set(['defaults', 'batch_size'], f.batchSize);
  set(['log_level'], f.logLevel);
  set(['metrics_port'], f.metricsPort);
  set(['state'], f.state);
  set(['state_password_file'], f.statePasswordFile);
  applyKafkaSecurityFlags(c, f);
  return c;
}
