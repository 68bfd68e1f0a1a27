import kafkajs, { type Admin } from 'kafkajs';

// kafkajs is CommonJS; Node's ESM loader can't see all of its named exports.
const { ConfigResourceTypes } = kafkajs;
import type { KafkaSinkConfig } from '../../src/config/kafka-settings.js';

export interface TopicInfo {
  partitions: number;
  maxMessageBytes: number;
}

/**
 * Creates the topics the sink writes to (with the configured partitions) and remembers each
 * topic's partition count and `max.message.bytes`, which decide how events are split into requests
 * and which events are too large.
 */
export class TopicCatalog {
  private readonly known = new Map<string, Promise<TopicInfo>>();

  constructor(
    private readonly admin: Admin,
    private readonly config: Pick<KafkaSinkConfig, 'partitions' | 'replicationFactor'>,
  ) {}

  ensure(topic: string): Promise<TopicInfo> {
    let info = this.known.get(topic);
    if (!info) {
      info = this.load(topic);
      this.known.set(topic, info);
      info.catch(() => this.known.delete(topic));
    }
    return info;
  }

  private async load(topic: string): Promise<TopicInfo> {
    const existing = await this.admin.listTopics();
    if (!existing.includes(topic)) {
      await this.admin.createTopics({
        topics: [{ topic, numPartitions: this.config.partitions, replicationFactor: this.config.replicationFactor }],
        waitForLeaders: true,
      });
    }
    const meta = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = meta.topics[0]?.partitions.length ?? 1;
    const configs = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = configs.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
    return { partitions, maxMessageBytes: value ? Number(value) : 1_048_588 };
  }
}
