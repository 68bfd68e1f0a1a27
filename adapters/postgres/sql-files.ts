import { readFileSync } from 'node:fs';
import { packageRoot } from '../../src/core/package-root.js';

/** The repository root, found from this file so templates load the same from tests, CLI and tsx. */
const ROOT = packageRoot(import.meta.url);

export const MIGRATIONS_DIR = `${ROOT}migrations/postgres`;

const cache = new Map<string, string>();

/** A template from `sql/postgres/` (STYLE rule 9: what we install lives as SQL files). */
export function sqlTemplate(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(`${ROOT}sql/postgres/${name}`, 'utf8');
    cache.set(name, text);
  }
  return text;
}
