import { z } from 'zod';
import type { Operation } from '../core/change-event.js';
import { expressionProblem } from './predicate.js';

export const OPERATIONS = ['INSERT', 'UPDATE', 'DELETE', 'SNAPSHOT', 'TRUNCATE'] as const satisfies readonly Operation[];
export const DEFAULT_HASH_KEY_ENV = 'CDC_HASH_KEY';

const columnName = z.string({ error: 'expected a column name' }).min(1, 'expected a column name');
const columnList = z.array(columnName).min(1, 'expected at least one column name');

const columns = z
  .object({ include: columnList.optional(), exclude: columnList.optional() })
  .strict()
  .refine((c) => !(c.include && c.exclude), 'use either "include" or "exclude", not both')
  .refine((c) => c.include || c.exclude, 'expected "include: [columns]" or "exclude: [columns]"');

const operations = z
  .array(z.enum(OPERATIONS, { error: `expected one of ${OPERATIONS.join(', ')}` }))
  .min(1, `expected at least one of ${OPERATIONS.join(', ')}`);

const where = z.string({ error: 'expected an expression such as status == "active"' }).superRefine((text, ctx) => {
  const problem = expressionProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

const maskRule = z.union(
  [
    z.enum(['hash', 'redact']),
    z.object({ partial: z.number().int().min(1, 'partial keeps at least 1 character') }).strict(),
  ],
  { error: 'expected "hash", "redact" or { partial: <characters to keep> }' },
);

/**
 * The per-table filter/transform block. Every column name refers to the source's column names,
 * before any rename (see docs/filters-and-transforms.md). Spread `tableTransformShape` into the
 * table entry object of the config schema; `tableTransformSchema` validates the block on its own.
 */
export const tableTransformShape = {
  columns: columns.optional(),
  operations: operations.optional(),
  where: where.optional(),
  rename: z.record(columnName, z.string({ error: 'expected the new column name' }).min(1, 'expected the new column name')).optional(),
  mask: z.record(columnName, maskRule).optional(),
  hash_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, `expected an environment variable name such as ${DEFAULT_HASH_KEY_ENV}`)
    .optional(),
};

export const tableTransformSchema = z.object(tableTransformShape).strict();

export type TableTransformConfig = z.infer<typeof tableTransformSchema>;
export type MaskRule = z.infer<typeof maskRule>;
