export const OVERSIZE_POLICIES = ['stop', 'dead-letter'] as const;
export type OversizePolicy = (typeof OVERSIZE_POLICIES)[number];

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * How to reach a secured cluster, already resolved: file contents read, one password chosen.
 * `tls: null` is plaintext; `sasl: null` is no authentication (SASL over plaintext is allowed,
 * as Kafka's SASL_PLAINTEXT listeners do, but PLAIN then sends the password in clear).
 */
export interface KafkaSecurity {
  tls: {
    /** PEM bundle to trust; undefined: Node's built-in public roots. */
    ca?: string;
    /** Client certificate and key (mutual TLS); both or neither. */
    cert?: string;
    key?: string;
    keyPassword?: string;
    /** Off only on request: the certificate chain is always verified, the host name by default. */
    verifyHostname: boolean;
  } | null;
  sasl: { mechanism: SaslMechanism; username: string; password: string } | null;
}

export const NO_KAFKA_SECURITY: KafkaSecurity = { tls: null, sasl: null };

export interface KafkaSinkConfig {
  brokers: string[];
  security: KafkaSecurity;
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
  security: NO_KAFKA_SECURITY,
  clientId: 'cdc',
  topicTemplate: 'cdc.{source_id}.{table}',
  partitions: 1,
  replicationFactor: 1,
  onOversize: 'stop',
  maxRequestBytes: 900_000,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
};
