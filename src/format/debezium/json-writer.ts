/**
 * A JSON number written exactly as given. Kafka Connect's JsonConverter (Jackson) writes int64 and
 * MicroTimestamp values as plain numbers even beyond 2^53; a JS number would round them, so such
 * values travel as their decimal digits and are written unquoted.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify for the Debezium envelope, plus RawJson. Keys with undefined values are skipped. */
export function writeJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

function write(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    out.push('null');
  } else if (typeof value === 'string') {
    out.push(JSON.stringify(value));
  } else if (typeof value === 'number') {
    // JSON has no NaN/Infinity; the encoders turn those into strings before they get here.
    out.push(Number.isFinite(value) ? String(value) : 'null');
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (typeof value === 'bigint') {
    out.push(value.toString());
  } else if (value instanceof RawJson) {
    out.push(value.text);
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i > 0) out.push(',');
      write(v, out);
    });
    out.push(']');
  } else {
    out.push('{');
    let first = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(v, out);
    }
    out.push('}');
  }
}
