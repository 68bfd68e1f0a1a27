/**
 * Finding from the drain profile: lossless-json builds every string one character at a time
 * (`result += text[i]`), so a 960-character column becomes a rope of ~960 V8 cons-strings that
 * parsing allocates, JSON.stringify in the encoder has to flatten, and the garbage collector has
 * to collect. This measures the drain benchmark's row image, parsed and encoded again:
 *   today        parseJsonRaw from src/core/lossless-json.ts (lossless-json), then JSON.stringify
 *   slicing      a minimal lossless parser that takes strings with `slice` (JSON.parse only for
 *                strings with escapes) and keeps numbers as RawNumber — the proposed fix
 *   JSON.parse   the lower bound (rounds numbers, so not usable as is; for comparison)
 *
 *   node --import tsx bench/micro/lossless-strings.ts
 */
import { parseJsonRaw, RawNumber } from '../../src/core/lossless-json';

const payload = Array.from({ length: 30 }, (_, i) => 'c4ca4238a0b923820dcc509a6f75849b'.replace(/\d/g, String(i % 10))).join('');
const image = JSON.stringify({ id: 123456, k: 456, payload, updated_at: '2024-01-02T03:04:05.123456+00:00', note: 'a "quoted"\nline' });
const N = 50_000;

/** Sketch of the fix (not production code: no error positions, no duplicate-key option). */
export function parseSlicing(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && text.charCodeAt(i) <= 32) i++;
  };
  const str = (): string => {
    const start = ++i;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i++;
      }
      i++;
    }
    i++;
    return escaped ? (JSON.parse(text.slice(start - 1, i)) as string) : text.slice(start, i - 1);
  };
  const value = (): unknown => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 34) return str();
    if (c === 123) {
      const o: Record<string, unknown> = {};
      i++;
      ws();
      if (text.charCodeAt(i) === 125) return i++, o;
      for (;;) {
        ws();
        const k = str();
        ws();
        i++; // :
        o[k] = value();
        ws();
        if (text.charCodeAt(i++) === 125) return o;
      }
    }
    if (c === 91) {
      const a: unknown[] = [];
      i++;
      ws();
      if (text.charCodeAt(i) === 93) return i++, a;
      for (;;) {
        a.push(value());
        ws();
        if (text.charCodeAt(i++) === 93) return a;
      }
    }
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    const start = i;
    while (i < text.length && /[-+0-9.eE]/.test(text[i]!)) i++;
    return new RawNumber(text.slice(start, i));
  };
  return value();
}

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (x instanceof RawNumber ? Number(x.value) : x));

function run(name: string, parse: (t: string) => unknown): { name: string; usPerRow: number } {
  for (let i = 0; i < 2000; i++) toJson(parse(image));
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < N; i++) bytes += toJson(parse(image)).length;
  const usPerRow = ((performance.now() - t0) * 1000) / N;
  if (bytes === 0) throw new Error('unreachable');
  return { name, usPerRow: Math.round(usPerRow * 10) / 10 };
}

export function measureLosslessStrings(): { name: string; usPerRow: number }[] {
  if (toJson(parseSlicing(image)) !== toJson(parseJsonRaw(image))) throw new Error('parsers disagree');
  return [
    run('lossless-json parseJsonRaw + JSON.stringify (today)', parseJsonRaw),
    run('slicing lossless parser + JSON.stringify (proposed)', parseSlicing),
    run('JSON.parse + JSON.stringify (lower bound, rounds numbers)', (t) => JSON.parse(t)),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of measureLosslessStrings()) console.log(`${r.usPerRow.toFixed(1).padStart(7)} µs/row  ${r.name}`);
}
