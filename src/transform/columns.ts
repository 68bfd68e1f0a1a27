import type { TableTransformConfig } from './schema.js';

export type ColumnSelection = NonNullable<TableTransformConfig['columns']>;

/** What is wrong with a selection, or null. The schema rejects these too; compile re-checks. */
export function selectionProblem(selection: ColumnSelection): string | null {
  if (selection.include && selection.exclude) return 'use either "include" or "exclude", not both';
  const list = selection.include ?? selection.exclude;
  if (!list || list.length === 0) return 'expected "include: [columns]" or "exclude: [columns]"';
  const seen = new Set<string>();
  for (const name of list) {
    if (seen.has(name)) return `column "${name}" is listed twice`;
    seen.add(name);
  }
  return null;
}

/**
 * Whether a column stays in before_data/after_data. Never applied to primary_key: the Kafka key
 * must stay the same whatever the images show.
 */
export interface ColumnFilter {
  /** The columns the user named, with whether each stays. */
  listed: ReadonlyMap<string, boolean>;
  /** For every column not listed: kept under `exclude`, dropped under `include`. */
  keepOthers: boolean;
}

export function columnFilter(selection: ColumnSelection | undefined): ColumnFilter {
  if (!selection) return { listed: new Map(), keepOthers: true };
  if (selection.include) return { listed: new Map(selection.include.map((c) => [c, true])), keepOthers: false };
  return { listed: new Map((selection.exclude ?? []).map((c) => [c, false])), keepOthers: true };
}

export function keeps(filter: ColumnFilter, column: string): boolean {
  return filter.listed.get(column) ?? filter.keepOthers;
}
