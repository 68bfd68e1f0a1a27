export const OVERSIZE_POLICIES = ['stop', 'dead-letter'] as const;
export type OversizePolicy = (typeof OVERSIZE_POLICIES)[number];

export interface KafkaSinkConfig {
  brokers: string[];
  clientId: string;
  /** `{source_id}` and `{table}` are replaced; default `cdc.{source_id}.{table}`. */
  topicTemplate: string;
  /** Partitions for topics the sink creates; existing topics are left alone. */
  partitions: number;
  replicationFactor: number;
  /**
   * An event larger than the topic accepts is never dropped silently: `stop` halts the table with
   * an error naming table and key; `dead-letter` writes a small record describing it to `<topic>.dlq`.
   */
  onOversize: OversizePolicy;
  /** Upper bound for one produce request per partition; the topic's max.message.bytes caps it further. */
  maxRequestBytes: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

export const KAFKA_DEFAULTS: Omit<KafkaSinkConfig, 'brokers'> = {
  clientId: 'cdc',
  topicTemplate: 'cdc.{source_id}.{table}',
  partitions: 1,
  replicationFactor: 1,
  onOversize: 'stop',
  maxRequestBytes: 900_000,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
};
