/**
 * Column renames. All renames of a table apply at once, to before_data, after_data and
 * primary_key alike, so a swap (`a: b, b: a`) is well defined and the Kafka key of a row stays the
 * same from one event to the next. Renaming onto a column that is still there would overwrite one
 * value with another: an error, found here when the column is known at start-up, else by the
 * projection on the first event that shows it.
 */

export type RenameMap = Readonly<Record<string, string>>;

export interface RenameProblem {
  /** The rename entry at fault (its source column). */
  column: string;
  problem: string;
}

export interface KnownColumns {
  /** columns.include, when set: exactly the columns that remain in the images. */
  include?: readonly string[];
  /** The table's key columns, when known at start-up: always present in primary_key. */
  keyColumns?: readonly string[];
}

export function renameProblem(rename: RenameMap, known: KnownColumns): RenameProblem | null {
  const targets = new Map<string, string>();
  for (const [from, to] of Object.entries(rename)) {
    const other = targets.get(to);
    if (other !== undefined) return { column: from, problem: `columns "${other}" and "${from}" are both renamed to "${to}"` };
    targets.set(to, from);
  }
  for (const [to, from] of targets) {
    if (Object.hasOwn(rename, to)) continue; // that column moves away too (a swap or a chain)
    if (known.include?.includes(to)) return { column: from, problem: `column "${to}" already exists (it is in columns.include)` };
    if (known.keyColumns?.includes(to)) return { column: from, problem: `column "${to}" already exists (it is a key column)` };
  }
  return null;
}

/** Rename targets that are not themselves renamed away: a column with such a name would collide. */
export function occupiedTargets(rename: RenameMap): Map<string, string> {
  const occupied = new Map<string, string>();
  for (const [from, to] of Object.entries(rename)) if (!Object.hasOwn(rename, to)) occupied.set(to, from);
  return occupied;
}
