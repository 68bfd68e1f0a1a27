import { Command, Option } from 'commander';
import { LOG_LEVELS } from '../../config/schema';
import { createLogger } from '../../logging';
import { resolveReplayRequest, type ReplayFlags } from '../../replay/options';
import { replay } from '../../replay/replay';
import { formatInstant } from '../../replay/window';
import { parseIntFlag } from '../options';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('re-emit the changes of a time window [from, to) of a table\'s topic into another topic, from Kafka itself')
    .addOption(new Option('--kafka <brokers>', 'Kafka bootstrap brokers host:port,…').env('CDC_KAFKA_BROKERS'))
    .addOption(new Option('--source-id <id>', 'source id the topic was written under (with --table)').env('CDC_SOURCE_ID'))
    .addOption(new Option('--table <table>', 'table as named in the events, e.g. public.users (with --source-id)'))
    .addOption(new Option('--topic-template <template>', 'topic name template of the sink').env('CDC_TOPIC_TEMPLATE').default('cdc.{source_id}.{table}'))
    .addOption(new Option('--from-topic <name>', 'the topic to replay, instead of --source-id with --table'))
    .addOption(new Option('--from <time>', 'window start, inclusive: ISO-8601 with a zone (2024-05-01T12:00:00Z)'))
    .addOption(new Option('--to <time>', 'window end, exclusive (default: when the replay starts)'))
    .addOption(new Option('--topic <name>', 'topic to write the replayed events to; created like the source if missing'))
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
    .addOption(new Option('--log-level <level>', 'log level (progress is logged at info)').choices(LOG_LEVELS).env('CDC_LOG_LEVEL').default('info'))
    .action(async (flags: ReplayFlags & { logLevel: string }) => {
      // Read once: without --to the window ends here, so the replay has a fixed end and terminates.
      const request = resolveReplayRequest(flags, Date.now());
      const result = await replay(request, createLogger(flags.logLevel));
      const { from, to } = request.window;
      process.stdout.write(
        `replayed ${result.copied} events of ${request.sourceTopic} [${formatInstant(from)}, ${formatInstant(to)}) into ${request.targetTopic}\n`,
      );
    });
}
