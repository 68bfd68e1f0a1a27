import type { ChangeEvent, Operation, Row } from '../core/change-event.js';
import type { ConsumerOperation, ConsumerRoute } from '../core/consumer-route.js';
import { FatalCaptureError } from '../core/errors.js';

/** What the router does with one record of a source topic. */
export type RouteDecision =
  /** Write `value` (null: a tombstone) under the record's key into the consumer's topic. */
  | { kind: 'forward'; value: Buffer | null }
  /** The consumer's filters do not select it. */
  | { kind: 'drop' }
  /** Not a native change event: skipped with a warning and counted (docs/consumers.md). */
  | { kind: 'malformed'; reason: string };

/**
 * What the router remembers per source partition between records. A tombstone carries only a key;
 * the sink writes it right behind its delete, in the same request and partition, so "the record
 * before it was a delete of the same key that this consumer received" decides it exactly.
 */
export interface PartitionState {
  forwardedDeleteKey: string | null;
}

export function newPartitionState(): PartitionState {
  return { forwardedDeleteKey: null };
}

/**
 * How the consumer's operation filter reads each event operation: a snapshot read is a row the
 * consumer has not seen yet (INSERT), and a TRUNCATE removes rows (DELETE).
 */
const AS_CONSUMER_OPERATION: Record<Operation, ConsumerOperation> = {
  INSERT: 'INSERT',
  SNAPSHOT: 'INSERT',
  UPDATE: 'UPDATE',
  DELETE: 'DELETE',
  TRUNCATE: 'DELETE',
};

export interface RouteFilter {
  decide(key: string | null, value: Buffer | null, state: PartitionState): RouteDecision;
}

/** Compiles a validated route (src/consumers/validate.ts) into the per-record decision. */
export function compileRouteFilter(route: Pick<ConsumerRoute, 'tables' | 'columns' | 'operations'>): RouteFilter {
  const tables = route.tables.length > 0 ? new Set(route.tables) : null;
  const operations = route.operations.length > 0 ? new Set(route.operations) : null;
  const columns = route.columns.length > 0 ? new Set(route.columns) : null;

  const decideEvent = (value: Buffer): RouteDecision & { deleted?: boolean } => {
    const parsed = parseEvent(value);
    if (typeof parsed === 'string') return { kind: 'malformed', reason: parsed };
    if (tables && !tables.has(parsed.table_name)) return { kind: 'drop' };
    const operation = AS_CONSUMER_OPERATION[parsed.operation];
    if (operations && !operations.has(operation)) return { kind: 'drop' };
    const deleted = parsed.operation === 'DELETE';
    // Without a column filter the record goes on byte for byte: nothing to re-encode.
    if (!columns) return { kind: 'forward', value, deleted };
    return { kind: 'forward', value: Buffer.from(JSON.stringify(project(parsed, columns))), deleted };
  };

  return {
    decide(key, value, state) {
      if (value === null) {
        const forward = key !== null && state.forwardedDeleteKey === key;
        state.forwardedDeleteKey = null;
        return forward ? { kind: 'forward', value: null } : { kind: 'drop' };
      }
      const decision = decideEvent(value);
      state.forwardedDeleteKey = decision.kind === 'forward' && decision.deleted ? key : null;
      return decision.kind === 'forward' ? { kind: 'forward', value: decision.value } : decision;
    },
  };
}

/**
 * Keeps the selected columns and every key column in both images, in their original order. The
 * key columns stay so that the event still names its row (primary_key, and the images agree with
 * it); everything else of the event is untouched, so it stays valid against the published schema.
 */
export function project(event: ChangeEvent, columns: ReadonlySet<string>): ChangeEvent {
  const keep = new Set(columns);
  for (const k of Object.keys(event.primary_key ?? {})) keep.add(k);
  const pick = (row: Row | null): Row | null => {
    if (row === null) return null;
    const out: Row = {};
    for (const [k, v] of Object.entries(row)) if (keep.has(k)) out[k] = v;
    return out;
  };
  return { ...event, before_data: pick(event.before_data), after_data: pick(event.after_data) };
}

const OPERATIONS = new Set<string>(Object.keys(AS_CONSUMER_OPERATION));

/**
 * A native change event, or why the value is not one (a string). A Debezium envelope is not
 * "malformed" but a source in the other format: routing cannot filter it correctly, so it stops the
 * route (FatalCaptureError) instead of silently skipping every record.
 */
function parseEvent(value: Buffer): ChangeEvent | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'not a JSON object';
  const e = parsed as Record<string, unknown>;
  if (isDebeziumEnvelope(e)) {
    throw new FatalCaptureError('the source topic carries Debezium envelopes (--format debezium): consumer routes read the native format only; run the source with --format native');
  }
  if (typeof e.event_id !== 'string') return 'no event_id';
  if (typeof e.table_name !== 'string') return 'no table_name';
  if (typeof e.operation !== 'string' || !OPERATIONS.has(e.operation)) return `operation ${JSON.stringify(e.operation)} is not a change event operation`;
  for (const field of ['before_data', 'after_data', 'primary_key'] as const) {
    const v = e[field];
    if (v !== null && (typeof v !== 'object' || Array.isArray(v))) return `${field} is neither an object nor null`;
  }
  return e as unknown as ChangeEvent;
}

function isDebeziumEnvelope(e: Record<string, unknown>): boolean {
  if ('operation' in e) return false;
  const payload = e.payload;
  const body = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : e;
  return typeof body.op === 'string' && 'source' in body;
}
