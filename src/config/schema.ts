import { z } from 'zod';
import { OVERSIZE_POLICIES } from '../../adapters/kafka/config';
import { FORMATS } from '../format';
import { BINARY_HANDLING_MODES, DECIMAL_HANDLING_MODES, INTERVAL_HANDLING_MODES, SKIPPED_OPERATIONS, TIME_PRECISION_MODES } from '../format/debezium/options';
import { parseSchedule } from './schedule';
import { DEFAULT_SNAPSHOT_CHUNK_SIZE } from '../core/snapshot';
import { tableTransformShape } from '../transform/schema';

export const SINKS = ['kafka', 'stdout'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const schedule = z.string().refine((s) => parseSchedule(s) !== null, {
  message: 'expected a duration like "50ms"/"2s"/"1m" or a cron expression like "*/5 * * * * *"',
});

/** `initial`: `cdc run` snapshots a table that was never snapshotted (docs/snapshots.md). */
export const SNAPSHOT_MODES = ['initial', 'never'] as const;
const snapshotChunkSize = z.number().int().min(1).max(100_000);

const tableOptions = {
  schedule: schedule.optional(),
  batch_size: z.number().int().min(1).max(100_000).optional(),
  snapshot: z.enum(SNAPSHOT_MODES).optional(),
  snapshot_chunk_size: snapshotChunkSize.optional(),
};

const tableEntry = z.union([z.string().min(1), z.object({ name: z.string().min(1), ...tableOptions, ...tableTransformShape }).strict()]);

const source = z
  .object({
    url: z.string().min(1),
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
        partitions: z.number().int().min(1).default(1),
        replication_factor: z.number().int().min(1).default(1),
        on_oversize: z.enum(OVERSIZE_POLICIES).default('stop'),
      })
      .strict()
      .default({ client_id: 'cdc', topic_template: 'cdc.{source_id}.{table}', partitions: 1, replication_factor: 1, on_oversize: 'stop' }),
    defaults: z
      .object({
        schedule: schedule.default('50ms'),
        batch_size: z.number().int().min(1).max(100_000).default(2000),
        snapshot: z.enum(SNAPSHOT_MODES).default('never'),
        snapshot_chunk_size: snapshotChunkSize.default(DEFAULT_SNAPSHOT_CHUNK_SIZE),
      })
      .strict()
      .default({ schedule: '50ms', batch_size: 2000, snapshot: 'never', snapshot_chunk_size: DEFAULT_SNAPSHOT_CHUNK_SIZE }),
    sources: z.array(source).default([]),
    /** State store for polled tables (docs/polling.md); without it only trigger/log capture runs. */
    state: z.string().regex(/^rediss?:\/\//i, 'expected redis://host:port/db or rediss://…').optional(),
    log_level: z.enum(LOG_LEVELS).default('info'),
    metrics_port: z.number().int().min(0).max(65535).optional(),
    shutdown_timeout_ms: z.number().int().min(0).default(10_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.debezium && c.format !== 'debezium') {
      ctx.addIssue({ code: 'custom', path: ['debezium'], message: 'applies only with format "debezium" (--format debezium)' });
    }
    if (c.debezium?.['topic.prefix'] !== undefined && c.kafka.topic_template !== 'cdc.{source_id}.{table}') {
      ctx.addIssue({ code: 'custom', path: ['debezium', 'topic.prefix'], message: 'names topics <prefix>.<schema>.<table>; do not combine it with kafka.topic_template' });
    }
  });

export type CdcConfig = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof source>;
export type TableEntry = z.infer<typeof tableEntry>;
