import { parse as parseWithNumbers } from 'json-custom-numbers';
import { isSafeNumber, parse, type ParseOptions } from 'lossless-json';
import { ValueLimitError } from './errors.js';
import { setOwn } from './row.js';

export { setOwn };

/**
 * Limits every JSON value cdc decodes, re-encodes or serialises. Without them one deeply nested
 * jsonb value (PostgreSQL accepts ~12,000 levels with its default max_stack_depth) overflowed the
 * stack of a recursive step (lossless-json's parser, normalizeJson, JSON.stringify in the sink,
 * which fails at ~4,000-5,000 levels on Node's default stack) with a RangeError that was retried
 * forever, wedging the table. Beyond a limit the value raises ValueLimitError, and the pipeline
 * fails that one change by the oversize policy (stop naming table and key, or dead-letter).
 *   - depth 1,000: 4x below where JSON.stringify overflowed when called from a deep stack, and
 *     far beyond real documents (MySQL's JSON type itself refuses more than 100 levels);
 *   - text 256 MiB (UTF-16 code units): half of V8's longest string; a decoded image that size
 *     could never be a Kafka message anyway.
 */
export const JSON_LIMITS = { maxDepth: 1000, maxTextLength: 256 * 1024 * 1024 } as const;

/**
 * Throws ValueLimitError when `text` is longer than the limit or nests arrays/objects deeper than
 * the limit. A linear scan that skips strings; text shorter than the depth limit cannot exceed
 * it, so typical row images pay one length check.
 */
export function checkJsonText(text: string, limits: { maxDepth: number; maxTextLength: number } = JSON_LIMITS): void {
  if (text.length > limits.maxTextLength) {
    throw new ValueLimitError(`a JSON value of ${text.length} characters is longer than cdc decodes (${limits.maxTextLength})`);
  }
  if (text.length <= limits.maxDepth) return;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: to the next quote not escaped by a backslash.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return; // unterminated: the parser reports it
        let slashes = 0;
        while (text.charCodeAt(i - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limits.maxDepth) throw depthError(limits.maxDepth);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

function depthError(max: number): ValueLimitError {
  return new ValueLimitError(`a JSON value nests deeper than cdc decodes (${max} levels)`);
}

/**
 * JSON parsing that never rounds a number: JSON.parse turns 9007199254740993 into ...992 and
 * 0.1000000000000000000001 into 0.1, which would break the "SELECT equals after_data" contract.
 *
 * Rule (README "Type fidelity"): a number stays a JSON number when a double represents its value
 * exactly (same significant digits: 1.50 → 1.5, 1e2 → 100; lossless-json's isSafeNumber); otherwise
 * it becomes a string with the digits as written. Both sides of a comparison apply the same rule.
 *
 * Duplicate keys: the last one wins, as in JSON.parse and jsonb (lossless-json by default would
 * throw, and a `json` column may hold duplicates).
 *
 * Parser: json-custom-numbers (JSON.parse's behaviour, each number handed over as its source text).
 * It takes strings with `slice` where lossless-json appends one character at a time; on row images
 * with a ~1 KB text column that rope of cons-strings was most of the PostgreSQL drain's GC time.
 * bench/micro/lossless-strings.ts: 17.9 → 7.8 µs per image parsed and re-encoded (docs/benchmarks.md).
 * Its one difference from JSON.parse is a "__proto__" key, which it assigns and so turns into the
 * object's prototype; text that may hold one goes to lossless-json instead (mayHaveProtoKey).
 */

/** A number kept as its exact source text, for callers that map it by a declared type. */
export class RawNumber {
  constructor(readonly value: string) {}
}

export function isRawNumber(value: unknown): value is RawNumber {
  return value instanceof RawNumber;
}

const lastKeyWins: ParseOptions['onDuplicateKey'] = ({ newValue }) => newValue;
const RAW: ParseOptions = { parseNumber: (s) => new RawNumber(s), onDuplicateKey: lastKeyWins };
const LOSSLESS: ParseOptions = { parseNumber: (s) => numberFromJsonText(s), onDuplicateKey: lastKeyWins };

const rawNumber = (_key: unknown, text: string) => new RawNumber(text);
const losslessNumber = (_key: unknown, text: string) => numberFromJsonText(text);

/**
 * A key can only decode to "__proto__" if the text holds it literally or uses a \u escape (which
 * could spell any of its characters). PostgreSQL's jsonb output escapes only control characters
 * that way, so nearly every row image takes the fast parser.
 */
function mayHaveProtoKey(text: string): boolean {
  return text.includes('__proto__') || text.includes('\\u');
}

/** Parses keeping every number as a RawNumber. */
export function parseJsonRaw(text: string): unknown {
  checkJsonText(text);
  return mayHaveProtoKey(text) ? parse(text, null, RAW) : parseWithNumbers(text, undefined, rawNumber);
}

/** Parses with the lossless rule applied to every number. */
export function parseJson(text: string): unknown {
  checkJsonText(text);
  return mayHaveProtoKey(text) ? parse(text, null, LOSSLESS) : parseWithNumbers(text, undefined, losslessNumber);
}

/** The lossless rule for one number's source text. */
export function numberFromJsonText(text: string): number | string {
  if (!isSafeNumber(text)) return text;
  const n = Number(text);
  // -0 and 0 are the same JSON value; Object.is-based equality would tell them apart.
  return n === 0 ? 0 : n;
}

/**
 * Applies the lossless rule to every RawNumber inside a value produced by parseJsonRaw. Throws
 * ValueLimitError for a value nested deeper than JSON_LIMITS.maxDepth (it recurses).
 */
export function normalizeJson(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof RawNumber) return numberFromJsonText(value.value);
  if (depth >= JSON_LIMITS.maxDepth) throw depthError(JSON_LIMITS.maxDepth);
  if (Array.isArray(value)) return value.map((v) => normalizeJson(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) setOwn(out, k, normalizeJson((value as Record<string, unknown>)[k], depth + 1));
  return out;
}

/** Throws ValueLimitError when `value` nests arrays/objects deeper than the limit; iterative. */
export function checkJsonDepth(value: unknown, maxDepth: number = JSON_LIMITS.maxDepth): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object' || v instanceof RawNumber || Buffer.isBuffer(v) || v instanceof Date) continue;
    if (d >= maxDepth) throw depthError(maxDepth);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
}

const JSON_SOURCE = Symbol('cdc.jsonSource');

/**
 * Where a JSON column's canonical value came from: the column's text as the database printed it,
 * or its parse with every number kept as a RawNumber. Formats that must reproduce the database's
 * own JSON text (Debezium writes json/jsonb as a string) read it back with jsonSourceOf; the
 * canonical value may have turned 12345678901234567890 into a string and 1.50 into 1.5.
 * Non-enumerable, so JSON.stringify, spread and deepStrictEqual never see it. Only objects and
 * arrays can carry it; a scalar JSON value has no source attached.
 */
export function withJsonSource<T>(value: T, source: unknown): T {
  if (value !== null && typeof value === 'object') Object.defineProperty(value, JSON_SOURCE, { value: source, enumerable: false, configurable: true });
  return value;
}

export function jsonSourceOf(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<symbol, unknown>)[JSON_SOURCE] : undefined;
}
