import type { Row } from './change-event.js';

/**
 * Building row objects safely. Rows are keyed by names from users' schemas, and any name may be
 * special to a plain JavaScript object: `row["__proto__"] = v` sets the prototype instead of a
 * property (the key `{"__proto__":1}` silently became `{}`), and reading `row["constructor"]` or
 * `row["toString"]` from a row without that column returns Object.prototype's function. So every
 * place that turns database values into an object goes through these helpers: writes define an
 * own property, reads look only at own properties.
 *
 * Rows stay plain objects (not Object.create(null)): consumers, transforms and tests compare them
 * with deepStrictEqual, which also compares prototypes; JSON.stringify and spread (`{...row}`)
 * copy own properties, so an own "__proto__" survives both. Object.assign does not (it assigns):
 * never use it on rows.
 */

/** Assigns an own enumerable property, also for the key "__proto__". */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The row's own value for `key`; undefined when the row has no such column (never an inherited member). */
export function getOwn(row: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(row, key) ? row[key] : undefined;
}

/** A row from name/value pairs, in order; a later duplicate name wins. */
export function rowFromEntries(entries: Iterable<readonly [string, unknown]>): Row {
  const out: Row = {};
  for (const [k, v] of entries) setOwn(out, k, v);
  return out;
}

/**
 * The key columns of an image, in key order; a column the image lacks (or holds as undefined)
 * is null, so a key always has every key column.
 */
export function pickColumns(row: Readonly<Record<string, unknown>>, columns: readonly string[]): Row {
  const out: Row = {};
  for (const c of columns) setOwn(out, c, getOwn(row, c) ?? null);
  return out;
}
