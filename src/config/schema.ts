import { z } from 'zod';
import { OVERSIZE_POLICIES } from './kafka-settings.js';
import { FORMATS } from '../format/index.js';
import { scheduleProblem } from './schedule.js';
import { MAX_TIMER_MS } from '../core/timers.js';
import { BINARY_HANDLING_MODES, DECIMAL_HANDLING_MODES, INTERVAL_HANDLING_MODES, SKIPPED_OPERATIONS, TIME_PRECISION_MODES } from '../format/debezium/options.js';
import { DEFAULT_SNAPSHOT_CHUNK_SIZE } from '../core/snapshot.js';
import { tableTransformShape } from '../transform/schema.js';
import { kafkaSaslSchema, kafkaSslSchema } from './kafka-security.js';
import { sourceTlsSchema } from './source-tls.js';

export const SINKS = ['kafka', 'stdout'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const schedule = z.string().superRefine((s, ctx) => {
  const problem = scheduleProblem(s);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** `initial`: `cdc run` snapshots a table that was never snapshotted (docs/snapshots.md). */
export const SNAPSHOT_MODES = ['initial', 'never'] as const;
/**
 * A whole number in [min, max]. The range is checked before integrality: zod's int check also
 * caps at 2^53, and its message came first, so `batch_size: 1e300` named 9007199254740991
 * instead of the key's own limit.
 */
const wholeNumber = (min: number, max: number) => z.number().min(min).max(max).int();

const snapshotChunkSize = wholeNumber(1, 100_000);

const tableOptions = {
  schedule: schedule.optional(),
  batch_size: wholeNumber(1, 100_000).optional(),
  snapshot: z.enum(SNAPSHOT_MODES).optional(),
  snapshot_chunk_size: snapshotChunkSize.optional(),
};

const tableEntry = z.union([z.string().min(1), z.object({ name: z.string().min(1), ...tableOptions, ...tableTransformShape }).strict()]);

const source = z
  .object({
    url: z.string().min(1),
    /** The URL user's password from a file (container secrets); the URL then carries none. */
    password_file: z.string().min(1).optional(),
    /** TLS to the database, as an alternative to the URL's own parameters (src/config/source-tls.ts). */
    tls: sourceTlsSchema.optional(),
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"')
      .optional(),
    tables: z.array(tableEntry).optional(),
  })
  .strict();

/** Debezium's connector options under Debezium's own names (docs/debezium-format.md); only with format debezium. */
const debezium = z
  .object({
    'decimal.handling.mode': z.enum(DECIMAL_HANDLING_MODES).optional(),
    'time.precision.mode': z.enum(TIME_PRECISION_MODES).optional(),
    'binary.handling.mode': z.enum(BINARY_HANDLING_MODES).optional(),
    'interval.handling.mode': z.enum(INTERVAL_HANDLING_MODES).optional(),
    'tombstones.on.delete': z.boolean().optional(),
    'topic.prefix': z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"')
      .optional(),
    'schemas.enable': z.boolean().optional(),
    'skipped.operations': z.string().regex(SKIPPED_OPERATIONS, 'expected "none" or a comma list of c, u, d, t').optional(),
    'provide.transaction.metadata': z.boolean().optional(),
  })
  .strict();

/** The whole `cdc run` configuration, as read from `--config` (YAML or JSON) and flags. */
export const configSchema = z
  .object({
    sink: z.enum(SINKS).default('kafka'),
    format: z.enum(FORMATS).default('native'),
    debezium: debezium.optional(),
    kafka: z
      .object({
        brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1).optional(),
        client_id: z.string().min(1).default('cdc'),
        topic_template: z.string().includes('{table}').default('cdc.{source_id}.{table}'),
        partitions: wholeNumber(1, 2_147_483_647).default(1),
        replication_factor: wholeNumber(1, 32_767).default(1),
        on_oversize: z.enum(OVERSIZE_POLICIES).default('stop'),
        ssl: kafkaSslSchema.optional(),
        sasl: kafkaSaslSchema.optional(),
      })
      .strict()
      .default({ client_id: 'cdc', topic_template: 'cdc.{source_id}.{table}', partitions: 1, replication_factor: 1, on_oversize: 'stop' }),
    defaults: z
      .object({
        schedule: schedule.default('50ms'),
        batch_size: wholeNumber(1, 100_000).default(2000),
        snapshot: z.enum(SNAPSHOT_MODES).default('never'),
        snapshot_chunk_size: snapshotChunkSize.default(DEFAULT_SNAPSHOT_CHUNK_SIZE),
      })
      .strict()
      .default({ schedule: '50ms', batch_size: 2000, snapshot: 'never', snapshot_chunk_size: DEFAULT_SNAPSHOT_CHUNK_SIZE }),
    sources: z.array(source).default([]),
    /** State store for polled tables (docs/polling.md); without it only trigger/log capture runs. */
    state: z.string().regex(/^rediss?:\/\//i, 'expected redis://host:port/db or rediss://…').optional(),
    state_password_file: z.string().min(1).optional(),
    log_level: z.enum(LOG_LEVELS).default('info'),
    metrics_port: wholeNumber(0, 65535).optional(),
    shutdown_timeout_ms: wholeNumber(0, MAX_TIMER_MS).default(10_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.debezium && c.format !== 'debezium') {
      ctx.addIssue({ code: 'custom', path: ['debezium'], message: 'applies only with format "debezium" (--format debezium)' });
    }
    if (c.debezium?.['topic.prefix'] !== undefined && c.kafka.topic_template !== 'cdc.{source_id}.{table}') {
      ctx.addIssue({ code: 'custom', path: ['debezium', 'topic.prefix'], message: 'names topics <prefix>.<schema>.<table>; do not combine it with kafka.topic_template' });
    }
    if (c.debezium?.['provide.transaction.metadata'] && c.sink !== 'kafka') {
      ctx.addIssue({ code: 'custom', path: ['debezium', 'provide.transaction.metadata'], message: 'writes the <prefix>.transaction topic: it needs sink "kafka"' });
    }
  });

export type CdcConfig = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof source>;
export type TableEntry = z.infer<typeof tableEntry>;
