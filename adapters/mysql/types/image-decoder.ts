import type { Row } from '../../../src/core/change-event.js';
import { isRawNumber, parseJson, parseJsonRaw, setOwn, withJsonSource } from '../../../src/core/lossless-json.js';
import { floatFromText, integerValue } from './canonical.js';

/**
 * Decoder (a): a trigger image (text written by JSON_OBJECT, see trigger/image-expressions.ts) →
 * canonical row. The trigger already rendered every value canonically, so this needs no column
 * metadata; only numbers need care, because JSON.parse would round BIGINTs:
 *   - an integer token comes from an integer column (INT, BIGINT, BIT, YEAR): number while safe,
 *     else the digit string. A DOUBLE never prints as an unsafe integer token: MySQL and MariaDB
 *     switch to exponent form from 1e15 on (1e17, 9.007199254740992e15).
 *   - any other number token comes from FLOAT/DOUBLE: Number(token).
 *   - {"json": "<text>"} is a JSON column, its text parsed with the shared lossless rule.
 */
export function decodeImage(text: string): Row {
  const parsed = fastParse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('a row image must be a JSON object');
  }
  const row: Row = {};
  for (const [column, value] of Object.entries(parsed as Record<string, unknown>)) {
    setOwn(row, column, decodeValue(column, value));
  }
  return row;
}

function decodeValue(column: string, value: unknown): unknown {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number') return value === 0 ? 0 : value;
  if (isRawNumber(value)) return /^-?\d+$/.test(value.value) ? integerValue(value.value) : floatFromText(value.value);
  if (typeof value === 'object' && !Array.isArray(value)) {
    const json = (value as Record<string, unknown>).json;
    if (typeof json === 'string') return withJsonSource(parseJson(json), json);
  }
  throw new Error(`column ${JSON.stringify(column)} has an unexpected image value ${JSON.stringify(String(value))}`);
}

/**
 * JSON.parse is exact for every integer token with at most 15 significant digits and 3–4× faster
 * than the lossless parser, so only images with a longer integer token take the lossless route.
 * Number tokens of an image follow a ':' (or ',' / '[' in arrays) and optional spaces; the test
 * looks there only. A bare /\d{16}/ also stopped at every digit of every string, which on text
 * columns full of digits (hashes, ids as text) cost more than both parsers: 1 KB image of hex,
 * 8.1–8.6 µs with it vs 1.6–2.1 µs with this test (10 short columns: 1.0–1.5 vs 1.4–1.6 µs); a
 * string that happens to contain such a run only sends the image to the (correct) lossless route.
 * Non-integer tokens become Number(token) either way.
 */
const LONG_INTEGER_TOKEN = /[:,[]\s*-?\d{16}/;

function fastParse(text: string): unknown {
  return LONG_INTEGER_TOKEN.test(text) ? parseJsonRaw(text) : JSON.parse(text);
}
