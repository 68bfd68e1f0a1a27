/**
 * Finding from the drain profile: lossless-json builds every string one character at a time
 * (`result += text[i]`), so a 960-character column becomes a rope of ~960 V8 cons-strings that
 * parsing allocates, JSON.stringify in the encoder has to flatten, and the garbage collector has
 * to collect. This measures the drain benchmark's row image, parsed and encoded again:
 *   before       lossless-json's parse with RawNumbers (what parseJsonRaw used to be)
 *   now          parseJsonRaw from src/core/lossless-json.ts (json-custom-numbers: strings by slice)
 *   slicing      a minimal hand-written parser that takes strings with `slice` and validates
 *                nothing — what a hand-written parser could at best reach, for comparison
 *   JSON.parse   the lower bound (rounds numbers, so not usable as is; for comparison)
 *
 *   node --import tsx bench/micro/lossless-strings.ts
 */
import { parse as losslessJsonParse } from 'lossless-json';
import { parseJsonRaw, RawNumber } from '../../src/core/lossless-json.js';

const payload = Array.from({ length: 30 }, (_, i) => 'c4ca4238a0b923820dcc509a6f75849b'.replace(/\d/g, String(i % 10))).join('');
const image = JSON.stringify({ id: 123456, k: 456, payload, updated_at: '2024-01-02T03:04:05.123456+00:00', note: 'a "quoted"\nline' });
const N = 50_000;

/** Sketch of a hand-written parser (not production code: no validation, no error positions). */
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

const parseBefore = (t: string) => losslessJsonParse(t, null, { parseNumber: (s) => new RawNumber(s), onDuplicateKey: ({ newValue }) => newValue });

export function measureLosslessStrings(): { name: string; usPerRow: number }[] {
  const want = toJson(parseBefore(image));
  if (toJson(parseJsonRaw(image)) !== want || toJson(parseSlicing(image)) !== want) throw new Error('parsers disagree');
  return [
    run('lossless-json + JSON.stringify (before)', parseBefore),
    run('parseJsonRaw (json-custom-numbers) + JSON.stringify (now)', parseJsonRaw),
    run('hand-written slicing sketch, no validation + JSON.stringify', parseSlicing),
    run('JSON.parse + JSON.stringify (lower bound, rounds numbers)', (t) => JSON.parse(t)),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of measureLosslessStrings()) console.log(`${r.usPerRow.toFixed(1).padStart(7)} µs/row  ${r.name}`);
}
