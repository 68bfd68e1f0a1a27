import { setOwn } from '../../../src/core/lossless-json.js';
import type { Row } from '../../../src/core/change-event.js';
import { decodeJsonbImage, type DecodedImage } from './jsonb-decoder.js';
import { parseRecordLiteral } from './literals.js';
import type { PgType } from './pg-type.js';
import { decodeText } from './text-decoder.js';

/**
 * A row's text output (record_out) with its column names beside it → canonical row. Snapshot rows
 * carry their images this way because record_out calls no code a user can define, where to_jsonb
 * and row_to_json apply user-defined casts to json, and a snapshot may run as a superuser
 * (docs/security.md). Columns without a known type, or whose text their type rejects, are kept as
 * text and reported, like decodeJsonbImage does.
 */
export function decodeRecordImage(types: ReadonlyMap<string, PgType>, columns: readonly string[], text: string): DecodedImage {
  const values = parseRecordLiteral(text);
  if (values.length !== columns.length && !(columns.length === 0 && text === '()')) {
    throw new Error(`row image has ${values.length} fields for ${columns.length} columns`);
  }
  const row: Row = {};
  const unknownColumns: string[] = [];
  const invalidColumns: string[] = [];
  columns.forEach((name, i) => {
    const raw = values[i] ?? null;
    const type = types.get(name);
    let value: unknown = raw;
    if (!type) unknownColumns.push(name);
    else {
      try {
        value = decodeText(type, raw);
      } catch {
        invalidColumns.push(name);
      }
    }
    setOwn(row, name, value);
  });
  return { row, unknownColumns, invalidColumns };
}

/**
 * A change-log image as the reader gets it: `after::text` of the log's json column, with the row's
 * `columns` as a JSON array when the image is record text (snapshot rows), else null.
 */
export function decodeLogImage(types: ReadonlyMap<string, PgType>, image: string, columns: string | null): DecodedImage {
  if (columns === null) return decodeJsonbImage(types, image);
  return decodeRecordImage(types, JSON.parse(columns) as string[], JSON.parse(image) as string);
}
