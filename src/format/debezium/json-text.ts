import { isRawNumber } from '../../core/lossless-json.js';

/**
 * A JSON column's text, as Debezium's io.debezium.data.Json carries it: the database's own text.
 * `source` is what the decoder kept (jsonSourceOf): the text itself (pgoutput, SELECT) is used
 * verbatim; a parse with RawNumbers (trigger images, which hold json as jsonb) is printed the way
 * jsonb prints itself — `{"a": 1, "b": [2, 3]}`, keys by length then bytes, numbers as written.
 * Without a source (a scalar JSON value) the canonical value is printed the same way.
 */
export function jsonText(canonical: unknown, source: unknown): string {
  if (typeof source === 'string') return source;
  const parts: string[] = [];
  writeJsonb(source !== undefined ? source : canonical, parts);
  return parts.join('');
}

function writeJsonb(v: unknown, out: string[]): void {
  if (v === null || v === undefined) out.push('null');
  else if (isRawNumber(v)) out.push(v.value);
  else if (typeof v === 'string' || typeof v === 'boolean') out.push(JSON.stringify(v));
  else if (typeof v === 'number') out.push(String(v));
  else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((e, i) => {
      if (i > 0) out.push(', ');
      writeJsonb(e, out);
    });
    out.push(']');
  } else {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj).sort(jsonbKeyOrder);
    out.push('{');
    keys.forEach((k, i) => {
      if (i > 0) out.push(', ');
      out.push(JSON.stringify(k), ': ');
      writeJsonb(obj[k], out);
    });
    out.push('}');
  }
}

/** jsonb's object key order: shorter keys first, then bytewise (UTF-8). */
function jsonbKeyOrder(a: string, b: string): number {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length - bb.length || Buffer.compare(ab, bb);
}
