import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors';
import { configSchema, type CdcConfig } from './schema';

/** Reads `--config` (YAML or JSON; YAML is a superset) into a plain object. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return YAML.parse(text) ?? {};
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Validates once at start-up; the error names the key and, for choices, the allowed values. */
export function validateConfig(raw: unknown, origin = 'config'): CdcConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(`${origin}: ${describeIssue(result.error.issues[0]!)}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.map(String).join('.') || '(top level)';
  switch (issue.code) {
    case 'invalid_value':
      return `key "${key}" must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown key "${[...issue.path.map(String), issue.keys[0]].join('.')}"`;
    default:
      return `key "${key}": ${issue.message}`;
  }
}
