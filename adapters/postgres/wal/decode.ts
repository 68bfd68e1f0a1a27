import type { Operation, Row } from '../../../src/core/change-event.js';
import { ValueLimitError } from '../../../src/core/errors.js';
import { setOwn } from '../../../src/core/lossless-json.js';
import { pickColumns } from '../../../src/core/row.js';
import { STRING_TYPE, type PgType } from '../types/pg-type.js';
import { decodeText } from '../types/text-decoder.js';
import type { PgoutputMessage } from './replication.js';

/** A pgoutput tuple as the raw-text plugin leaves it: text, null, or undefined for an unchanged TOAST value. */
type Tuple = Record<string, string | null | undefined>;

export interface DecodedRow {
  operation: Operation;
  before: Row | null;
  after: Row | null;
  /**
   * Columns left out of `after`: pgoutput sends an unchanged out-of-line (TOAST) value as "unchanged"
   * without its data. With REPLICA IDENTITY FULL the old tuple carries it and the library fills it
   * in; without, the value is unknown here and the column is omitted (never a placeholder).
   */
  omitted: string[];
  /** Columns the catalog types do not know (decoded as text); the caller reloads types. */
  unknown: string[];
  /** Values their type's mapping rejected; kept as the text PostgreSQL sent rather than stopping capture. */
  invalid: string[];
}

type RowMessage = Extract<PgoutputMessage, { tag: 'insert' | 'update' | 'delete' }>;

/**
 * One row change → canonical images, every value through the same text decoder as a plain SELECT
 * (SPEC "Type fidelity"), so WAL events equal trigger events value for value.
 */
export function decodeRowMessage(msg: RowMessage, types: ReadonlyMap<string, PgType>): DecodedRow {
  const unknown = new Set<string>();
  const invalid = new Set<string>();
  const omitted: string[] = [];
  const image = (tuple: Tuple | null, collectOmitted: boolean): Row | null => {
    if (!tuple) return null;
    const row: Row = {};
    for (const name in tuple) {
      const raw = tuple[name];
      if (raw === undefined) {
        if (collectOmitted) omitted.push(name);
        continue;
      }
      let type = types.get(name);
      if (!type) {
        unknown.add(name);
        type = STRING_TYPE;
      }
      let value: unknown;
      try {
        value = decodeText(type, raw);
      } catch (err) {
        // Beyond the decoders' limits: the change fails as a whole (assembler.ts), never degraded to text.
        if (err instanceof ValueLimitError) throw new ValueLimitError(`column ${JSON.stringify(name)}: ${err.message}`, { cause: err });
        invalid.add(name);
        value = raw;
      }
      setOwn(row, name, value);
    }
    return row;
  };
  const done = (operation: Operation, before: Row | null, after: Row | null): DecodedRow => ({
    operation,
    before,
    after,
    omitted,
    unknown: [...unknown],
    invalid: [...invalid],
  });
  switch (msg.tag) {
    case 'insert':
      return done('INSERT', null, image(msg.new as Tuple, true));
    case 'update': {
      // `old` with REPLICA IDENTITY FULL; `key` (key columns only) without it, and only when the key changed.
      const before = image((msg.old ?? keyOnly(msg.key)) as Tuple | null, false);
      return done('UPDATE', before, image(msg.new as Tuple, true));
    }
    case 'delete':
      return done('DELETE', image((msg.old ?? keyOnly(msg.key)) as Tuple | null, false), null);
  }
}

/** The library marks non-key columns of a key tuple as undefined; keep the key columns only. */
function keyOnly(key: Record<string, unknown> | null): Tuple | null {
  if (!key) return null;
  const out: Tuple = {};
  for (const k in key) if (key[k] !== undefined) out[k] = key[k] as string | null;
  return out;
}

export function pickKey(row: Row, keyColumns: readonly string[]): Row {
  return pickColumns(row, keyColumns);
}
