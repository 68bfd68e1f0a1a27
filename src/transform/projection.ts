/**
 * Column selection, masking and renaming, fused into one pass per row image.
 *
 * Every config key names a source column, so the three steps reduce to one plan per named column,
 * computed at start-up: does it stay in the images, which masker applies, what is it called on
 * the way out. Per event that is one Map look-up and one object allocation per image, instead of
 * three copies; the stage order (select → mask → rename) is preserved column by column. Measured
 * here: ~0.5 µs per 10-column image (mostly adding properties with dynamic names to the copy),
 * ~25 ns for an event when only `operations` is set.
 */
import type { ChangeEvent, Row } from '../core/change-event.js';
import { ConfigError } from '../core/errors.js';
import { setOwn } from '../core/row.js';
import { keeps, type ColumnFilter } from './columns.js';
import type { Masker } from './mask.js';
import { occupiedTargets, type RenameMap } from './rename.js';

export interface KeyMask {
  masker: Masker;
  /** Message of the ConfigError raised if the column turns out to be a key column; null if allowed. */
  keyError: string | null;
}

export interface ProjectionSpec {
  filter: ColumnFilter;
  masks: ReadonlyMap<string, KeyMask>;
  rename: RenameMap;
  /** Message for a column that a rename would overwrite. */
  collisionError: (target: string, renamedFrom: string) => string;
}

interface ColumnPlan {
  inImages: boolean;
  name: string;
  mask: Masker | null;
  keyError: string | null;
  collision: string | null;
}

export type Projection = (event: ChangeEvent) => ChangeEvent;

/** undefined when the spec changes nothing (no selection, masks or renames). */
export function compileProjection(spec: ProjectionSpec): Projection | undefined {
  const { filter, masks, rename } = spec;
  const occupied = occupiedTargets(rename);
  const named = new Set([...filter.listed.keys(), ...masks.keys(), ...Object.keys(rename), ...occupied.keys()]);
  if (named.size === 0) return undefined;

  const plans = new Map<string, ColumnPlan>();
  for (const column of named) {
    const target = occupied.get(column);
    plans.set(column, {
      inImages: keeps(filter, column),
      name: Object.hasOwn(rename, column) ? rename[column]! : column,
      mask: masks.get(column)?.masker ?? null,
      keyError: masks.get(column)?.keyError ?? null,
      collision: target === undefined ? null : spec.collisionError(column, target),
    });
  }
  const keepOthers = filter.keepOthers;

  const image = (row: Row): Row => {
    const out: Row = {};
    for (const column of Object.keys(row)) {
      const plan = plans.get(column);
      if (plan === undefined) {
        if (keepOthers) put(out, column, row[column]);
      } else if (plan.inImages) {
        if (plan.collision !== null) throw new ConfigError(plan.collision);
        put(out, plan.name, plan.mask ? plan.mask(row[column]) : row[column]);
      }
    }
    return out;
  };

  // Key columns are never dropped, whatever columns.include/exclude say: the Kafka key must stay.
  const key = (primaryKey: Row): Row => {
    const out: Row = {};
    for (const column of Object.keys(primaryKey)) {
      const plan = plans.get(column);
      if (plan === undefined) {
        put(out, column, primaryKey[column]);
        continue;
      }
      if (plan.collision !== null) throw new ConfigError(plan.collision);
      if (plan.keyError !== null) throw new ConfigError(plan.keyError);
      put(out, plan.name, plan.mask ? plan.mask(primaryKey[column]) : primaryKey[column]);
    }
    return out;
  };

  return (event) => ({
    ...event,
    before_data: event.before_data && image(event.before_data),
    after_data: event.after_data && image(event.after_data),
    primary_key: event.primary_key && key(event.primary_key),
  });
}

const put = setOwn;
