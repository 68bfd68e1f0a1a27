import { Command, Option } from 'commander';
import { LOG_LEVELS } from '../../config/schema.js';
import { FORMATS } from '../../format/index.js';
import { readConfigFile, validateConfig } from '../../config/load.js';
import { runSettings } from '../../replay/history-config.js';
import { resolveHistoryReplayRequest } from '../../replay/history-options.js';
import { replayFromHistory, type ReplaySinkFactory } from '../../replay/history-replay.js';
import { KafkaSink } from '../../../adapters/kafka/kafka-sink.js';
import { KAFKA_DEFAULTS } from '../../config/kafka-settings.js';
import { createLogger } from '../../logging.js';
import { resolveReplayRequest, type ReplayFlags } from '../../replay/options.js';
import { replay } from '../../../adapters/kafka/replay/replay.js';
import { formatInstant } from '../../replay/window.js';
import { UserInputError } from '../../core/errors.js';
import { parseIntFlag } from '../options.js';
import { addKafkaSecurityOptions, kafkaSecurityFromFlags, type KafkaSecurityFlags } from '../kafka-options.js';

export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .addOption(new Option('--kafka <brokers>', 'Kafka bootstrap brokers host:port,…').env('CDC_KAFKA_BROKERS'))
    .addOption(new Option('--source-id <id>', 'source id the topic was written under (with --table)').env('CDC_SOURCE_ID'))
    .addOption(new Option('--table <table>', 'table as named in the events, e.g. public.users (with --source-id)'))
    .addOption(new Option('--topic-template <template>', 'topic name template of the sink').env('CDC_TOPIC_TEMPLATE').default('cdc.{source_id}.{table}'))
    .addOption(new Option('--from-topic <name>', 'the topic to replay, instead of --source-id with --table'))
    .addOption(new Option('--from <time>', 'window start, inclusive: ISO-8601 with a zone (2024-05-01T12:00:00Z)'))
    .addOption(new Option('--to <time>', 'window end, exclusive (default: when the replay starts)'))
    .addOption(new Option('--topic <name>', 'topic to write the replayed events to; created like the source if missing'))
    .addOption(new Option('--from-history', 'rebuild the events from the change history kept with install-triggers --retain (needs --source) instead of reading Kafka'))
    .addOption(new Option('--source <url>', 'with --from-history: the source database').env('CDC_SOURCE_URL'))
    .addOption(new Option('--config <file>', "with --from-history: cdc run's config file, to apply its format, topic template, source id and the table's filters and transforms").env('CDC_CONFIG'))
    .addOption(new Option('--format <format>', 'with --from-history: event format cdc run used').choices(FORMATS).env('CDC_FORMAT'))
    .addOption(
      new Option('--partitions <n>', 'with --from-history: partitions of the target topic if it is created')
        .argParser(parseIntFlag('--partitions'))
        .env('CDC_TOPIC_PARTITIONS'),
    )
    .addOption(
      new Option('--max-clock-skew <seconds>', 'how far the database clock may run ahead of the producing host')
        .argParser(parseIntFlag('--max-clock-skew'))
        .default(60),
    )
    .addOption(
      new Option('--stall-timeout <seconds>', 'fail when reading makes no progress for this long')
        .argParser(parseIntFlag('--stall-timeout'))
        .default(60),
    )
    .addOption(
      new Option('--connect-timeout <seconds>', 'how long to wait for an unreachable broker')
        .argParser(parseIntFlag('--connect-timeout'))
        .env('CDC_CONNECT_TIMEOUT')
        .default(30),
    )
    .addOption(new Option('--log-level <level>', 'log level (progress is logged at info)').choices(LOG_LEVELS).env('CDC_LOG_LEVEL').default('info'));
  addKafkaSecurityOptions(cmd)
    .action(async (flags: ReplayFlags & KafkaSecurityFlags & { logLevel: string; config?: string }) => {
      if (flags.config && !flags.fromHistory) throw new UserInputError('--config applies to --from-history: a Kafka replay copies the events as they were produced');
      if (flags.fromHistory) {
        const fileConfig = flags.config && flags.source ? validateConfig(readConfigFile(flags.config), `config file ${flags.config}`) : null;
        const run = fileConfig ? runSettings(fileConfig, flags.source!, `config file ${flags.config}`) : null;
        const request = resolveHistoryReplayRequest(flags, Date.now(), run, kafkaSecurityFromFlags(flags, fileConfig));
        const toKafka: ReplaySinkFactory = (topic, partitions, encode, logger) =>
          new KafkaSink(
            { ...KAFKA_DEFAULTS, brokers: request.brokers, security: request.security, clientId: 'cdc-replay', topicTemplate: topic, partitions },
            encode,
            logger.child({ component: 'kafka' }),
          );
        const result = await replayFromHistory(request, toKafka, createLogger(flags.logLevel));
        const { from, to } = request.window;
        process.stdout.write(
          `replayed ${result.replayed} events of ${result.table} [${formatInstant(from)}, ${formatInstant(to)}) from the change history into ${request.targetTopic}\n`,
        );
        return;
      }
      // Read once: without --to the window ends here, so the replay has a fixed end and terminates.
      const request = resolveReplayRequest(flags, Date.now(), kafkaSecurityFromFlags(flags, null));
      const result = await replay(request, createLogger(flags.logLevel));
      const { from, to } = request.window;
      process.stdout.write(
        `replayed ${result.copied} events of ${request.sourceTopic} [${formatInstant(from)}, ${formatInstant(to)}) into ${request.targetTopic}\n`,
      );
    });
}
