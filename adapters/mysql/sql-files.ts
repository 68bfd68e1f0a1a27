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
