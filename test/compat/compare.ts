import { parse } from 'lossless-json';
import type { RawRecord } from './debezium-server.js';

/**
 * Field-by-field comparison of cdc's Debezium-format records with Debezium's own. JSON is parsed
 * keeping integers exact (12345678901234567890 ≠ 12345678901234567000) and floats as doubles
 * (Jackson's -3.4E38 and JavaScript's -3.4e+38 are the same number).
 */
export function parseExact(text: string): unknown {
  return parse(text, null, (s: string) => (/^-?\d+$/.test(s) && !Number.isSafeInteger(Number(s)) ? `int64:${s}` : Number(s)));
}

/** Fields that are wall-clock or position dependent, or cdc's own addition: not compared. */
const SKIP_SOURCE = new Set([
  ...['version', 'ts_ms', 'ts_us', 'ts_ns', 'name', 'db', 'cdc'],
  // PostgreSQL positions
  ...['txId', 'lsn', 'sequence'],
  // MySQL/MariaDB positions
  ...['server_id', 'gtid', 'file', 'pos', 'row', 'thread', 'query'],
]);
const SKIP_TOP = new Set(['ts_ms', 'ts_us', 'ts_ns']);

export interface Difference {
  record: number;
  path: string;
  debezium: unknown;
  cdc: unknown;
}

/**
 * Compares record i of both lists. Record/schema names embed the topic prefix (and for MySQL the
 * database), which differ per run; `prefixes` maps each side's `<prefix>` or `<prefix>.<db>` to a
 * placeholder. Source fields cdc cannot or need not
 * match (wall clock, LSN, transaction id, versions) are checked for type only.
 */
export function compareRecords(dbz: RawRecord[], cdc: RawRecord[], prefixes: { debezium: string; cdc: string }): Difference[] {
  const out: Difference[] = [];
  const norm = (text: string | null, prefix: string) => (text === null ? null : parseExact(text.replaceAll(`"${prefix}.`, '"PREFIX.')));
  const n = Math.max(dbz.length, cdc.length);
  for (let i = 0; i < n; i++) {
    const d = dbz[i];
    const c = cdc[i];
    if (!d || !c) {
      out.push({ record: i, path: '(record)', debezium: d ?? 'missing', cdc: c ?? 'missing' });
      continue;
    }
    diff(norm(d.key, prefixes.debezium), norm(c.key, prefixes.cdc), `key`, i, out);
    const dv = norm(d.value, prefixes.debezium) as any;
    const cv = norm(c.value, prefixes.cdc) as any;
    if (dv === null || cv === null) {
      if (dv !== cv) out.push({ record: i, path: 'value', debezium: dv, cdc: cv });
      continue;
    }
    const dp = dv.payload ?? dv;
    const cp = cv.payload ?? cv;
    for (const k of new Set([...Object.keys(dp), ...Object.keys(cp)])) {
      if (SKIP_TOP.has(k)) {
        if (typeof dp[k] !== typeof cp[k]) out.push({ record: i, path: `payload.${k} (type)`, debezium: dp[k], cdc: cp[k] });
      } else if (k === 'source') {
        for (const f of new Set([...Object.keys(dp.source), ...Object.keys(cp.source)])) {
          if (f === 'cdc') continue;
          if (!(f in cp.source)) out.push({ record: i, path: `payload.source.${f}`, debezium: dp.source[f], cdc: 'missing' });
          else if (!(f in dp.source)) out.push({ record: i, path: `payload.source.${f}`, debezium: 'missing', cdc: cp.source[f] });
          else if (SKIP_SOURCE.has(f)) {
            if (kind(dp.source[f]) !== kind(cp.source[f]) && dp.source[f] !== null && cp.source[f] !== null) {
              out.push({ record: i, path: `payload.source.${f} (type)`, debezium: dp.source[f], cdc: cp.source[f] });
            }
          } else diff(dp.source[f], cp.source[f], `payload.source.${f}`, i, out);
        }
      } else diff(dp[k], cp[k], `payload.${k}`, i, out);
    }
    if (dv.schema || cv.schema) diff(stripCdc(dv.schema), stripCdc(cv.schema), 'schema', i, out);
  }
  return out;
}

function kind(v: unknown): string {
  return typeof v === 'string' && v.startsWith('int64:') ? 'number' : typeof v;
}

/**
 * cdc's `cdc` struct inside the source schema is its own addition, and position fields a capture
 * mode cannot know are optional in cdc's Source schema where Debezium's require them (MySQL's
 * server_id, file, pos, row in trigger mode): the source schema is compared by names and types.
 */
function stripCdc(schema: any): any {
  if (!schema?.fields) return schema;
  return {
    ...schema,
    fields: schema.fields.map((f: any) =>
      f.field === 'source' ? { ...f, fields: f.fields.filter((x: any) => x.field !== 'cdc').map((x: any) => ({ ...x, optional: undefined })) } : f,
    ),
  };
}

function diff(a: unknown, b: unknown, path: string, record: number, out: Difference[]): void {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    for (const k of new Set([...ka, ...kb])) diff((a as any)[k], (b as any)[k], `${path}.${k}`, record, out);
    return;
  }
  if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) out.push({ record, path, debezium: a, cdc: b });
}
