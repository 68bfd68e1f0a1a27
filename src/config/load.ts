import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { configSchema, type CdcConfig } from './schema.js';

/** Reads `--config` (YAML or JSON; YAML is a superset) into a plain object. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text) ?? {};
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  return expandEnv(parsed, process.env, path, []);
}

/**
 * `${NAME}` inside a string value is replaced by the environment variable NAME, so passwords stay
 * out of config files. An unset variable is an error naming the key, never an empty password.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, origin: string, path: string[], within: Set<object> = new Set()): unknown {
  // A recursive YAML alias (`a: &a [*a]`) parses into a value that contains itself; walking it
  // overflowed the stack and was reported as an "unexpected error".
  if (value !== null && typeof value === 'object') {
    if (within.has(value)) throw new ConfigError(`config file ${origin}: key "${path.join('.')}" contains itself (a recursive YAML alias)`);
    within = new Set(within).add(value);
  }
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new ConfigError(`config file ${origin}: key "${path.join('.')}" uses \${${name}}, which is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, origin, [...path, String(i)], within));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, origin, [...path, k], within)]));
  }
  return value;
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
