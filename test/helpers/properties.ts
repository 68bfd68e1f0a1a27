import fc from 'fast-check';

/**
 * Settings for property-based tests (STYLE 23): a fixed seed by default so CI runs are repeatable,
 * CDC_PROPERTY_SEED to explore or to replay a failure, CDC_PROPERTY_RUNS to run more cases.
 * A failure names the seed and the counterexample's path so the exact case can be rerun.
 */
export const PROPERTY_SEED = process.env.CDC_PROPERTY_SEED !== undefined ? Number(process.env.CDC_PROPERTY_SEED) : 20261203;

export function propertyRuns(fallback: number): number {
  return process.env.CDC_PROPERTY_RUNS !== undefined ? Number(process.env.CDC_PROPERTY_RUNS) : fallback;
}

/** fc.assert with the project's seed; on failure the error starts with how to replay it. */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>,
  numRuns: number,
): Promise<void> {
  const details = await fc.check(property as fc.IAsyncProperty<Ts>, { seed: PROPERTY_SEED, numRuns: propertyRuns(numRuns), endOnFailure: false });
  if (details.failed) {
    const replay = `CDC_PROPERTY_SEED=${details.seed} (fast-check path ${details.counterexamplePath})`;
    const cause = details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance));
    throw new Error(`property failed; replay with ${replay}: ${cause.message}\n${fc.defaultReportMessage(details)}`, { cause });
  }
}

/** Names special to JavaScript objects, SQL or templates. */
export const SPECIAL_NAMES = [
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype',
  'select', 'order', 'group', 'user', 'table', 'from', 'key', 'primary', 'default', 'timestamp',
  'Users', 'a.b', 'a b', 'we"ird', 'back`tick', "it's", 'semi;colon', '-- comment', '$1', '?', ':name', '{{log_table}}', '{table}', 'back\\slash', '%s',
  'Ünïcödé', '日本語', 'é', 'x\u200by',
] as const;

const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
const ODD = ' "`\'.;-$?:{}\\%';

/**
 * Identifiers a database accepts: not empty, no NUL, within `maxLength` (bytes for PostgreSQL,
 * characters for MySQL), BMP only for MySQL (it refuses supplementary characters in names), no
 * trailing space for MySQL. Mixes special names, odd characters and names exactly at the limit.
 */
export function identifier(dialect: 'postgres' | 'mysql'): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...PLAIN) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD) },
    { weight: 1, arbitrary: fc.constantFrom('é', 'ß', '日', 'Ω', dialect === 'postgres' ? '🙂' : 'ж') },
  );
  const max = dialect === 'postgres' ? 63 : 64;
  const atLimit = fc.string({ unit: fc.constantFrom(...PLAIN), minLength: max, maxLength: max });
  // Multi-byte at PostgreSQL's byte limit: 31 × 'é' (62 bytes) + 1 ASCII = 63 bytes.
  const multibyte = dialect === 'postgres' ? fc.constant('é'.repeat(31) + 'x') : fc.constant('é'.repeat(64));
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_NAMES) },
      { weight: 4, arbitrary: fc.string({ unit, minLength: 1, maxLength: 20 }) },
      { weight: 1, arbitrary: atLimit },
      { weight: 1, arbitrary: multibyte },
    )
    .filter((s) => fits(dialect, s));
}

export function fits(dialect: 'postgres' | 'mysql', s: string): boolean {
  if (s.length === 0 || s.includes('\u0000')) return false;
  if (dialect === 'postgres') return Buffer.byteLength(s) <= 63;
  return [...s].length <= 64 && !s.endsWith(' ') && ![...s].some((c) => c.codePointAt(0)! > 0xffff);
}
