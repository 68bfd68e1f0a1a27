import { z } from 'zod';
import { FORMATS } from '../format/index.js';
import { scheduleProblem } from '../config/schedule.js';
import { tableTransformShape } from '../transform/schema.js';

/**
 * Request and response bodies of the HTTP API. These zod schemas are the one source of truth: the
 * server validates with them (validate.ts) and the OpenAPI document is generated from them
 * (openapi.ts), so the two cannot drift.
 */

export const DB_TYPES = ['postgresql', 'mysql', 'mariadb', 'mongodb'] as const;
/** `log` is WAL (PostgreSQL) or binlog (MySQL/MariaDB), reached through `cdc upgrade`'s exact switch. */
export const TABLE_MODES = ['trigger', 'log'] as const;
export const CONSUMER_OPERATIONS = ['INSERT', 'UPDATE', 'DELETE'] as const;
export const SOURCE_STATUSES = ['ACTIVE', 'INACTIVE', 'STARTED', 'STOPPED'] as const;

const identifier = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected 1-100 letters, digits, ".", "_" or "-"');
const tableName = z.string().min(1, 'expected a table name').max(200);

const schedule = z.string().superRefine((s, ctx) => {
  const problem = scheduleProblem(s);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** Per-table options: capture mode, the poll loop, and `cdc run`'s filters and transforms. */
export const tableOptionsSchema = z
  .object({
    mode: z.enum(TABLE_MODES).optional(),
    schedule: schedule.optional(),
    batch_size: z.number().int().min(1).max(100_000).optional(),
    ...tableTransformShape,
  })
  .strict();

export const sourceOptionsSchema = z
  .object({
    /** The default capture mode of the source's tables. */
    mode: z.enum(TABLE_MODES).default('trigger'),
    format: z.enum(FORMATS).default('native'),
    schedule: schedule.optional(),
    batch_size: z.number().int().min(1).max(100_000).optional(),
    /** Per table (as listed in `tables`): mode, schedule and filters (docs/filters-and-transforms.md). */
    tables: z.record(tableName, tableOptionsSchema).default({}),
  })
  .strict();

export const createSourceSchema = z
  .object({
    db_type: z.enum(DB_TYPES),
    connection_string: z.string().min(1, 'expected a database URL').max(4096),
    /** Names the source in topics (cdc.<source_id>.<table>); default: the database name. */
    source_id: identifier.optional(),
    /** Empty or absent: the tables already set up for capture in the database. */
    tables: z.array(tableName).max(10_000).default([]),
    /** Install the capture triggers now rather than at start. */
    install: z.boolean().default(false),
    options: sourceOptionsSchema.default({ mode: 'trigger', format: 'native', tables: {} }),
  })
  .strict();

export type CreateSource = z.infer<typeof createSourceSchema>;
export type SourceOptions = z.infer<typeof sourceOptionsSchema>;

export const createConsumerSchema = z
  .object({
    source_id: identifier,
    table_filter: z.array(tableName).max(10_000).default([]),
    column_filter: z.array(z.string().min(1, 'expected a column name')).max(10_000).default([]),
    operation_filter: z.array(z.enum(CONSUMER_OPERATIONS)).max(3).default([]),
  })
  .strict();

export type CreateConsumer = z.infer<typeof createConsumerSchema>;

const isoInstant = z.iso.datetime({ offset: true, message: 'expected an ISO-8601 time with a zone, e.g. 2024-05-01T12:00:00Z' });

export const createReplaySchema = z
  .object({
    start_timestamp: isoInstant,
    end_timestamp: isoInstant.optional(),
    table_filter: z.array(tableName).max(10_000).default([]),
  })
  .strict()
  .refine((r) => r.end_timestamp === undefined || Date.parse(r.end_timestamp) > Date.parse(r.start_timestamp), {
    path: ['end_timestamp'],
    message: 'must be after start_timestamp',
  });

export type CreateReplay = z.infer<typeof createReplaySchema>;

export const idParamsSchema = z.object({ id: identifier }).strict();
export const deleteConsumerQuerySchema = z.object({ delete_topic: z.enum(['true', 'false']).default('false') }).strict();

// Responses.
export const errorSchema = z.object({ error: z.string() });
const checkpoints = z.record(z.string(), z.string().nullable());

export const sourceSchema = z.object({
  source_id: z.string(),
  db_type: z.enum(DB_TYPES),
  /** The URL with its password replaced by ***; the API never returns a password. */
  connection_string: z.string(),
  tables: z.array(z.string()),
  options: sourceOptionsSchema,
  status: z.enum(SOURCE_STATUSES),
  created_at: z.string(),
});
export const createdSourceSchema = z.object({ source_id: z.string(), status: z.enum(['ACTIVE', 'INACTIVE']) });
export const startedSchema = z.object({ status: z.literal('STARTED'), checkpoint: checkpoints });
export const stoppedSchema = z.object({ status: z.literal('STOPPED') });
export const sourceStatusSchema = z.object({
  status: z.enum(SOURCE_STATUSES),
  lag_seconds: z.number(),
  changes_per_second: z.number(),
  last_captured_timestamp: z.string().nullable(),
  tables: z.array(z.object({ table: z.string(), mode: z.string(), backlog: z.number(), checkpoint: z.string().nullable(), lag_seconds: z.number() })),
});
export const consumerSchema = z.object({
  consumer_id: z.string(),
  source_id: z.string(),
  kafka_topic: z.string(),
  table_filter: z.array(z.string()),
  column_filter: z.array(z.string()),
  operation_filter: z.array(z.enum(CONSUMER_OPERATIONS)),
  created_at: z.string(),
});
export const createdConsumerSchema = z.object({ consumer_id: z.string(), kafka_topic: z.string() });
export const replaySchema = z.object({
  replay_id: z.string(),
  source_id: z.string(),
  kafka_topic: z.string(),
  status: z.enum(['RUNNING', 'DONE', 'FAILED']),
  start_timestamp: z.string(),
  end_timestamp: z.string(),
  table_filter: z.array(z.string()),
  /** Per table: events scanned and copied so far. */
  progress: z.record(z.string(), z.object({ scanned: z.number(), copied: z.number(), done: z.boolean() })),
  error: z.string().nullable(),
  created_at: z.string(),
});
export const createdReplaySchema = z.object({ replay_id: z.string(), kafka_topic: z.string() });
export const deletedSchema = z.object({ deleted: z.boolean() });
