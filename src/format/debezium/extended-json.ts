import { javaDouble } from './values.js';

/**
 * Canonical Extended JSON v2 (what the MongoDB adapter keeps of each document: every BSON type,
 * src/core/typed-documents.ts) → the text Debezium's MongoDB connector writes, which is the Java
 * driver's `toJson` with Debezium's settings: the legacy STRICT mode for documents, RELAXED for
 * the key, both "indented" with empty indent and newline strings, so members are separated by `,`
 * and names by `": "`: `{"_id": {"$oid": "…"},"n": {"$numberLong": "42"}}`. Each form below was
 * checked against the Java driver (bson 5.6, as Debezium Server 3.6 ships it).
 */
type Mode = 'strict' | 'relaxed';

export function strictJson(value: unknown): string {
  const out: string[] = [];
  write(value, 'strict', out);
  return out.join('');
}

/** The key's `id`: the `_id` in RELAXED mode (`1004`, `"abc"`, `{"$oid": "…"}`). */
export function relaxedJson(value: unknown): string {
  const out: string[] = [];
  write(value, 'relaxed', out);
  return out.join('');
}

function write(v: unknown, mode: Mode, out: string[]): void {
  if (v === null || v === undefined) out.push('null');
  else if (typeof v === 'string') out.push(javaString(v));
  else if (typeof v === 'boolean' || typeof v === 'number') out.push(String(v));
  else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((e, i) => {
      if (i > 0) out.push(',');
      write(e, mode, out);
    });
    out.push(']');
  } else if (!wrapper(v as Record<string, any>, mode, out)) {
    document(Object.entries(v as Record<string, unknown>), mode, out);
  }
}

function document(entries: [string, unknown][], mode: Mode, out: string[]): void {
  out.push('{');
  entries.forEach(([k, e], i) => {
    if (i > 0) out.push(',');
    out.push(javaString(k), ': ');
    write(e, mode, out);
  });
  out.push('}');
}

/** One of Extended JSON's type wrappers, written as the Java driver writes that type; false for a plain document. */
function wrapper(o: Record<string, any>, mode: Mode, out: string[]): boolean {
  const keys = Object.keys(o);
  const k = keys[0];
  if (k === undefined || !k.startsWith('$')) return false;
  const one = keys.length === 1;
  const raw = (text: string) => (out.push(text), true);
  const doc = (entries: [string, unknown][]) => (document(entries, mode, out), true);
  if (one && k === '$numberInt') return raw(String(o.$numberInt));
  if (one && k === '$numberLong') return mode === 'relaxed' ? raw(String(o.$numberLong)) : doc([['$numberLong', String(o.$numberLong)]]);
  if (one && k === '$numberDouble') return raw(double(String(o.$numberDouble), mode));
  if (one && k === '$date') {
    const ms = BigInt(typeof o.$date === 'object' ? o.$date.$numberLong : o.$date);
    if (mode === 'strict') return raw(`{"$date": ${ms}}`);
    // RELAXED: ISO-8601 for years 1970–9999 (java.time's ISO_INSTANT: fraction only when non-zero), else the number.
    if (ms < 0n || ms > 253402300799999n) return doc([['$date', { $numberLong: String(ms) }]]);
    return doc([['$date', new Date(Number(ms)).toISOString().replace('.000Z', 'Z')]]);
  }
  if (one && k === '$binary' && typeof o.$binary === 'object') {
    const subType = String(o.$binary.subType).padStart(2, '0').toUpperCase();
    if (mode === 'relaxed') return doc([['$binary', { base64: o.$binary.base64, subType }]]);
    return doc([['$binary', o.$binary.base64], ['$type', subType]]);
  }
  if (one && k === '$regularExpression') {
    const { pattern, options } = o.$regularExpression;
    return mode === 'relaxed' ? doc([['$regularExpression', { pattern, options }]]) : doc([['$regex', pattern], ['$options', options]]);
  }
  if (one && k === '$dbPointer') return doc([['$ref', o.$dbPointer.$ref], ['$id', o.$dbPointer.$id]]);
  if (['$oid', '$numberDecimal', '$symbol', '$minKey', '$maxKey', '$undefined', '$timestamp'].includes(k) && one) return doc([[k, o[k]]]);
  if (k === '$code' && (one || (keys.length === 2 && keys[1] === '$scope'))) return doc(Object.entries(o));
  return false;
}

/** A double as the Java driver writes it: Double.toString in STRICT (NaN bare), `$numberDouble` for non-finite in RELAXED. */
function double(text: string, mode: Mode): string {
  const x = Number(text);
  if (!Number.isFinite(x)) {
    const name = Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
    return mode === 'strict' ? name : `{"$numberDouble": "${name}"}`;
  }
  return javaDouble(text === '-0.0' ? -0 : x).text;
}

/**
 * Kept as is by the Java driver's string writer: letters, digits, punctuation, symbols and space
 * separators (Java's Character.getType categories). Everything else — controls, format and
 * combining characters, line/paragraph separators, modifier letters, each half of a surrogate
 * pair — becomes `\uXXXX` (lower-case hex), one UTF-16 unit at a time.
 */
const KEPT = /^[\p{Lu}\p{Ll}\p{Lt}\p{Lo}\p{Nd}\p{Nl}\p{No}\p{Zs}\p{Pc}\p{Pd}\p{Ps}\p{Pe}\p{Pi}\p{Pf}\p{Po}\p{Sm}\p{Sc}\p{Sk}\p{So}]$/u;
const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function javaString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    const short = SHORT[c];
    if (short) out += short;
    else if (code < 0xd800 || code > 0xdfff ? KEPT.test(c) : false) out += c;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}
