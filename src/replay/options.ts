import { topicName } from '../core/topic-name.js';
import { KAFKA_DEFAULTS, NO_KAFKA_SECURITY, type KafkaSecurity } from '../config/kafka-settings.js';
import { UserInputError } from '../core/errors.js';
import { instantFromMillis, makeWindow, parseInstantFlag, type TimeWindow } from './window.js';

/** The flags of `cdc replay` as commander hands them over (strings, already defaulted). */
export interface ReplayFlags {
  kafka?: string;
  sourceId?: string;
  table?: string;
  topicTemplate?: string;
  fromTopic?: string;
  from?: string;
  to?: string;
  topic?: string;
  maxClockSkew: number;
  stallTimeout: number;
  connectTimeout: number;
  /** History mode (history-options.ts): rebuild the events from the database's kept change log. */
  fromHistory?: boolean;
  source?: string;
  format?: string;
  partitions?: number;
}

/** A validated replay request; everything here was checked before any connection is made. */
export interface ReplayRequest {
  brokers: string[];
  /** TLS/SASL, resolved from the --kafka-* flags (files read) before anything connects. */
  security: KafkaSecurity;
  sourceTopic: string;
  targetTopic: string;
  window: TimeWindow;
  /** True when --to was left out and the window ends at the start of the replay. */
  toIsNow: boolean;
  maxClockSkewMs: number;
  stallTimeoutMs: number;
  connectTimeoutMs: number;
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Turns flags into a request, or one UserInputError naming the flag. `nowMs` is read once by the
 * caller so that a replay without --to has a fixed end and terminates.
 */
export function resolveReplayRequest(f: ReplayFlags, nowMs: number, security: KafkaSecurity = NO_KAFKA_SECURITY): ReplayRequest {
  const brokers = (f.kafka ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new UserInputError('missing --kafka <host:port,…> (or CDC_KAFKA_BROKERS)');

  const sourceTopic = resolveSourceTopic(f);
  if (!f.topic) throw new UserInputError('missing --topic <name>: the topic to replay into');
  checkTopicName('--topic', f.topic);
  if (f.topic === sourceTopic) {
    throw new UserInputError(`--topic must differ from the source topic ${sourceTopic}: replaying a topic into itself would duplicate its events`);
  }

  if (!f.from) throw new UserInputError('missing --from <ISO time>: the start of the window');
  const from = parseInstantFlag('--from', f.from);
  const to = f.to ? parseInstantFlag('--to', f.to) : instantFromMillis(nowMs);
  return {
    brokers,
    security,
    sourceTopic,
    targetTopic: f.topic,
    window: makeWindow(from, to),
    toIsNow: !f.to,
    maxClockSkewMs: f.maxClockSkew * 1000,
    stallTimeoutMs: f.stallTimeout * 1000,
    connectTimeoutMs: f.connectTimeout * 1000,
  };
}

/** `--from-topic` as given, or the sink's own name for `--source-id` + `--table` (same template, same escaping). */
function resolveSourceTopic(f: ReplayFlags): string {
  // Only --table conflicts: --source-id may come from CDC_SOURCE_ID, set for `cdc run` anyway.
  if (f.fromTopic && f.table) throw new UserInputError('give either --from-topic or --source-id with --table, not both');
  if (f.fromTopic) {
    checkTopicName('--from-topic', f.fromTopic);
    return f.fromTopic;
  }
  if (!f.sourceId || !f.table) {
    throw new UserInputError('name the topic to replay: --source-id <id> with --table <table> (as in the events, e.g. public.users), or --from-topic <name>');
  }
  return topicName(f.topicTemplate ?? KAFKA_DEFAULTS.topicTemplate, f.sourceId, f.table);
}

export function checkTopicName(flag: string, name: string): void {
  if (!LEGAL_TOPIC.test(name) || name === '.' || name === '..') {
    throw new UserInputError(`${flag} ${JSON.stringify(name)} is not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249)`);
  }
}
