/**
 * Debezium's connector options that change the envelope, under Debezium's own names and values
 * (docs/debezium-format.md). Defaults are Debezium's.
 */
export const DECIMAL_HANDLING_MODES = ['precise', 'double', 'string'] as const;
export const TIME_PRECISION_MODES = ['adaptive', 'adaptive_time_microseconds', 'connect'] as const;
export const BINARY_HANDLING_MODES = ['bytes', 'base64', 'hex'] as const;
export const INTERVAL_HANDLING_MODES = ['numeric', 'string'] as const;

export interface DebeziumOptions {
  'decimal.handling.mode': (typeof DECIMAL_HANDLING_MODES)[number];
  /** Absent: the connector's own default (PostgreSQL `adaptive`, MySQL/MariaDB `adaptive_time_microseconds`). */
  'time.precision.mode'?: (typeof TIME_PRECISION_MODES)[number];
  'binary.handling.mode': (typeof BINARY_HANDLING_MODES)[number];
  'interval.handling.mode': (typeof INTERVAL_HANDLING_MODES)[number];
  /** A null-value record with the same key after each delete, so compaction can drop the key. */
  'tombstones.on.delete': boolean;
  /** Topics `<topic.prefix>.<schema>.<table>` and `source.name`; absent → the source_id. */
  'topic.prefix'?: string;
  /** The `{"schema":…,"payload":…}` form of JsonConverter's `schemas.enable=true`. */
  'schemas.enable': boolean;
  /** Operations not emitted: a comma list of c, u, d, t, or `none`; Debezium skips truncates (`t`). */
  'skipped.operations': string;
  /**
   * Debezium's transaction metadata: the `transaction` block in each event and BEGIN/END records in
   * `<topic.prefix>.transaction`. Only capture modes that see transactions whole provide it (wal,
   * binlog); the run refuses it for others.
   */
  'provide.transaction.metadata': boolean;
}

/** `skipped.operations`' syntax, as Debezium takes it. */
export const SKIPPED_OPERATIONS = /^(?:none|[cudt](?:,[cudt])*)$/;

export const DEBEZIUM_DEFAULTS: DebeziumOptions = {
  'decimal.handling.mode': 'precise',
  'binary.handling.mode': 'bytes',
  'interval.handling.mode': 'numeric',
  'tombstones.on.delete': true,
  'schemas.enable': false,
  'skipped.operations': 't',
  'provide.transaction.metadata': false,
};
