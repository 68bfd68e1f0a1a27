import { KAFKA_DEFAULTS, NO_KAFKA_SECURITY, type KafkaSecurity } from '../config/kafka-settings.js';
import { UserInputError } from '../core/errors.js';
import { FORMATS, type Format } from '../format/index.js';
import type { RunSettings } from './history-config.js';
import { checkTopicName, type ReplayFlags } from './options.js';
import { instantFromMillis, makeWindow, parseInstantFlag, type TimeWindow } from './window.js';

/** A validated `cdc replay --from-history` request; checked before any connection is made. */
export interface HistoryReplayRequest {
  sourceUrl: string;
  /** As typed; qualified with the database's default schema once connected. */
  table: string;
  /** The source_id events were written under; null: the database name, as `cdc run` defaults it. */
  sourceId: string | null;
  topicTemplate: string;
  brokers: string[];
  /** TLS/SASL from the --kafka-* flags over --config's kafka.ssl/kafka.sasl, files already read. */
  security: KafkaSecurity;
  targetTopic: string;
  window: TimeWindow;
  toIsNow: boolean;
  format: Format;
  partitions: number;
  connectTimeoutMs: number;
  /** From --config: the table's filters and transforms as `cdc run` applied them. */
  run: RunSettings | null;
}

/** Flags → request, or one UserInputError naming the flag. `nowMs` fixes a window without --to. */
export function resolveHistoryReplayRequest(
  f: ReplayFlags,
  nowMs: number,
  run: RunSettings | null = null,
  security: KafkaSecurity = NO_KAFKA_SECURITY,
): HistoryReplayRequest {
  if (f.fromTopic) throw new UserInputError('--from-topic reads Kafka; --from-history reads the database: give one of them');
  if (!f.source) throw new UserInputError('--from-history needs --source <url> (or CDC_SOURCE_URL): the database that keeps the history');
  if (!f.table) throw new UserInputError('--from-history needs --table <table>');
  if (f.table.includes(',')) throw new UserInputError('replay one table at a time: --table names one table');
  const brokers = f.kafka ? f.kafka.split(',').map((b) => b.trim()).filter(Boolean) : (run?.brokers ?? []);
  if (brokers.length === 0) throw new UserInputError('missing --kafka <host:port,…> (or CDC_KAFKA_BROKERS)');
  if (!f.topic) throw new UserInputError('missing --topic <name>: the topic to replay into');
  checkTopicName('--topic', f.topic);
  const format = f.format ?? run?.format ?? 'native';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UserInputError(`--format must be one of ${FORMATS.join(', ')}; got ${JSON.stringify(format)}`);
  }
  if (f.partitions !== undefined && f.partitions < 1) throw new UserInputError('--partitions must be at least 1');
  if (!f.from) throw new UserInputError('missing --from <ISO time>: the start of the window');
  const from = parseInstantFlag('--from', f.from);
  const to = f.to ? parseInstantFlag('--to', f.to) : instantFromMillis(nowMs);
  return {
    sourceUrl: f.source,
    table: f.table,
    sourceId: f.sourceId ?? run?.sourceId ?? null,
    topicTemplate: f.topicTemplate ?? run?.topicTemplate ?? KAFKA_DEFAULTS.topicTemplate,
    brokers,
    security,
    targetTopic: f.topic,
    window: makeWindow(from, to),
    toIsNow: !f.to,
    format: format as Format,
    partitions: f.partitions ?? KAFKA_DEFAULTS.partitions,
    connectTimeoutMs: f.connectTimeout * 1000,
    run,
  };
}
