import { ConfigError } from '../core/errors.js';

/** Where a transform block sits in the config, so every error names the table and the full key. */
export interface TransformContext {
  table: string;
  /** Prepended to keys in messages, e.g. "sources.0.tables.2." as validateConfig prints paths. */
  keyPrefix: string;
}

/** One-line ConfigError: `table public.users: key "sources.0.tables.1.where": <problem>`. */
export function transformError(ctx: TransformContext, key: string, problem: string): ConfigError {
  return new ConfigError(`table ${ctx.table}: key "${ctx.keyPrefix}${key}": ${problem}`);
}
