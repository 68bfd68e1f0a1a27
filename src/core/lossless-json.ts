import { parse as parseWithNumbers } from 'json-custom-numbers';
import { isSafeNumber, parse, type ParseOptions } from 'lossless-json';

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
  return mayHaveProtoKey(text) ? parse(text, null, RAW) : parseWithNumbers(text, undefined, rawNumber);
}

/** Parses with the lossless rule applied to every number. */
export function parseJson(text: string): unknown {
  return mayHaveProtoKey(text) ? parse(text, null, LOSSLESS) : parseWithNumbers(text, undefined, losslessNumber);
}

/** The lossless rule for one number's source text. */
export function numberFromJsonText(text: string): number | string {
  if (!isSafeNumber(text)) return text;
  const n = Number(text);
  // -0 and 0 are the same JSON value; Object.is-based equality would tell them apart.
  return n === 0 ? 0 : n;
}

/** Applies the lossless rule to every RawNumber inside a value produced by parseJsonRaw. */
export function normalizeJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof RawNumber) return numberFromJsonText(value.value);
  if (Array.isArray(value)) return value.map(normalizeJson);
  const out: Record<string, unknown> = {};
  for (const k in value) setOwn(out, k, normalizeJson((value as Record<string, unknown>)[k]));
  return out;
}

/** Assigns an own property, also for the key "__proto__" (a plain assignment would set the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
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
