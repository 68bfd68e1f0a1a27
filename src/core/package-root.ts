import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding cdc's package.json, found by walking up from the calling module: the SQL
 * templates and migrations live there, and the module may run as a source file (tsx, tests) or
 * compiled under dist/ — two different depths below it.
 */
export function packageRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cdc's package.json not found above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
  return `${dir}/`;
}
