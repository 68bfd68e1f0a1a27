import { readFileSync } from 'node:fs';
import { packageRoot } from '../../src/core/package-root.js';

/** The repository root, found from this file so templates load the same from tests, CLI and tsx. */
const ROOT = packageRoot(import.meta.url);

export const MIGRATIONS_DIR = `${ROOT}migrations/mysql`;

const cache = new Map<string, string>();

/** A template from `sql/mysql/` (STYLE rule 9), without its `--` comment lines. */
export function sqlTemplate(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(`${ROOT}sql/mysql/${name}`, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*--/.test(line))
      .join('\n')
      .trim();
    cache.set(name, text);
  }
  return text;
}

/**
 * Fills `{{name}}` placeholders. Values must already be quoted identifiers or generated SQL — never
 * raw user input. A missing or unused value is a bug, so both throw.
 */
export function renderSql(template: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`SQL template placeholder {{${key}}} has no value`);
    used.add(key);
    return v;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`SQL template has no placeholder for ${unused.join(', ')}`);
  return out;
}

/**
 * Splits a migration script into statements at `;` ending a line. mysql2 runs one statement per
 * query (multipleStatements stays off, so a parameter can never smuggle in a second statement).
 * Our own files only: no `;` at a line end inside literals, and `--` comment lines are dropped.
 */
export function splitStatements(script: string): string[] {
  return script
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
