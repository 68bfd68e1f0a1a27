import type { KeyObject } from 'node:crypto';
import type { EventTransform } from '../pipeline/table-pipeline.js';
import type { Operation } from '../core/change-event.js';
import { columnFilter, selectionProblem } from './columns.js';
import { transformError, type TransformContext } from './config-error.js';
import { describeRule, keySafe, loadHashKey, maskerFor } from './mask.js';
import { compilePredicate, ExpressionError } from './predicate.js';
import { compileProjection, type KeyMask } from './projection.js';
import { renameProblem } from './rename.js';
import { rowFilter, type RowFilter } from './row-filter.js';
import { DEFAULT_HASH_KEY_ENV, OPERATIONS, type TableTransformConfig } from './schema.js';

export interface CompileOptions {
  /**
   * The table's key columns when known at start-up (e.g. from SourceDatabase.listCaptured). With
   * them, a redacted key column or a rename onto a key column fails here; without them the same
   * ConfigError is thrown by the first event whose primary_key shows the column.
   */
  keyColumns?: readonly string[];
  /** Prefix of keys in error messages, e.g. "sources.0.tables.2.". */
  keyPrefix?: string;
}

/**
 * Validates a table's filter/transform block and compiles it into the per-event function.
 * Stages: operations → where (on source names and values) → columns → mask → rename.
 * Throws ConfigError naming the table and key; returns undefined when nothing is configured, so
 * an unconfigured table pays nothing per event. The returned function never mutates its input.
 */
export function compileTransform(
  tableName: string,
  config: TableTransformConfig,
  env: NodeJS.ProcessEnv = process.env,
  options: CompileOptions = {},
): EventTransform | undefined {
  const ctx: TransformContext = { table: tableName, keyPrefix: options.keyPrefix ?? '' };
  const fail = (key: string, problem: string): never => {
    throw transformError(ctx, key, problem);
  };

  const selectionIssue = config.columns ? selectionProblem(config.columns) : null;
  if (selectionIssue !== null) fail('columns', selectionIssue);

  const operations = config.operations ? new Set<Operation>(config.operations) : undefined;
  const opFilter = operations && operations.size < OPERATIONS.length ? operations : undefined;

  let where: RowFilter | undefined;
  if (config.where !== undefined) {
    try {
      where = rowFilter(compilePredicate(config.where), !operations || operations.has('DELETE'));
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      fail('where', err.message);
    }
  }

  const rename = config.rename ?? {};
  const renameIssue = renameProblem(rename, { include: config.columns?.include, keyColumns: options.keyColumns });
  if (renameIssue !== null) fail(`rename.${renameIssue.column}`, renameIssue.problem);

  const projection = compileProjection({
    filter: columnFilter(config.columns),
    masks: compileMasks(ctx, config, env, options.keyColumns, fail),
    rename,
    collisionError: (target, from) =>
      transformError(ctx, `rename.${from}`, `column "${target}" already exists; renaming "${from}" onto it would overwrite it`).message,
  });

  if (!opFilter && !where && !projection) return undefined;
  return (event) => {
    if (opFilter && !opFilter.has(event.operation)) return null;
    const kept = where ? where(event) : event;
    if (kept === null) return null;
    return projection ? projection(kept) : kept;
  };
}

function compileMasks(
  ctx: TransformContext,
  config: TableTransformConfig,
  env: NodeJS.ProcessEnv,
  keyColumns: readonly string[] | undefined,
  fail: (key: string, problem: string) => never,
): Map<string, KeyMask> {
  const rules = Object.entries(config.mask ?? {});
  let hashKey: KeyObject | null = null;
  const firstHashed = rules.find(([, rule]) => rule === 'hash')?.[0];
  if (firstHashed !== undefined) {
    const envName = config.hash_key_env ?? DEFAULT_HASH_KEY_ENV;
    const loaded = loadHashKey(envName, env);
    if ('problem' in loaded) {
      if (config.hash_key_env !== undefined) fail('hash_key_env', loaded.problem);
      fail(`mask.${firstHashed}`, `${loaded.problem} (or name another variable in "hash_key_env")`);
    } else {
      hashKey = loaded.key;
    }
  }
  const masks = new Map<string, KeyMask>();
  for (const [column, rule] of rules) {
    let keyError: string | null = null;
    if (!keySafe(rule)) {
      const problem = `"${describeRule(rule)}" on key column "${column}" would give different rows the same Kafka key; use hash`;
      if (keyColumns?.includes(column)) fail(`mask.${column}`, problem);
      keyError = transformError(ctx, `mask.${column}`, problem).message;
    }
    masks.set(column, { masker: maskerFor(rule, hashKey), keyError });
  }
  return masks;
}
