import type { Redis } from 'ioredis';
import type { CapturedChange } from '../../src/core/change-event.js';
import type { Logger } from '../../src/core/logger.js';
import { rangeKeyed, type KeyedUpdate } from '../redis/keyed-set.js';
import type { SourceKeys } from '../redis/redis-state.js';
import { POLL_DEFAULTS, type PollRegistration } from './config.js';
import type { PolledTable } from './dialect.js';
import { chunkDigest, keyObject, memberRange, parseMember, sortableKey } from './keys.js';
import { deleteChangeId, deletePosition } from './position.js';

interface Candidate {
  values: unknown[];
  stamp: string;
}

interface Cycle {
  startedAt: number;
  /** Last key of the previous chunk; null at the start of the key space. */
  after: unknown[] | null;
  chunks: number;
  deleted: number;
  /** The walk reached the end of the key space; the cycle ends once `pending` is emitted. */
  done: boolean;
  /** Confirmed-missing keys not yet emitted (more than one batch's worth). */
  pending: Candidate[];
}

/** Point lookups per query when confirming candidates. */
const CONFIRM_BATCH = 500;

/**
 * Finds hard deletes, which polling cannot see (docs/polling.md, "Deletes").
 *
 * A cycle walks the source's key space in chunks of `chunkSize` keys (keyset on the key index).
 * Per chunk the source returns the count and an order-independent sum of key hashes; the same is
 * computed over the known keys in the chunk's range (Redis). Equal → nothing was deleted there.
 * Different → the chunk's keys are fetched and compared; every known key missing from them is
 * confirmed with a point lookup right before it is emitted as a DELETE, so a race with a
 * concurrent insert, or a key order that differs between Redis and the database, can delay a
 * delete to the next cycle but never invent one. A tick does at most `chunksPerTick` chunks.
 */
export class Reconciler {
  private cycle: Cycle | null = null;
  private nextAt: number;

  constructor(
    private readonly polled: PolledTable,
    private readonly redis: Redis,
    private readonly keys: SourceKeys,
    private readonly reg: PollRegistration,
    private readonly logger: Logger,
    private readonly knownMembers: (prefixes: string[]) => Promise<(string | null)[]>,
  ) {
    // The first cycle waits one interval: right after start the known keys are still being filled.
    this.nextAt = Date.now() + reg.reconcileEveryMs;
  }

  /** DELETE changes found by this tick's share of the cycle, or null. */
  async step(max: number): Promise<{ changes: CapturedChange[]; updates: KeyedUpdate[] } | null> {
    if (!this.cycle && Date.now() < this.nextAt) return null;
    const cycle = (this.cycle ??= { startedAt: Date.now(), after: null, chunks: 0, deleted: 0, done: false, pending: [] });
    for (let i = 0; i < POLL_DEFAULTS.chunksPerTick && cycle.pending.length === 0 && !cycle.done; i++) {
      cycle.pending.push(...(await this.checkChunk(cycle)));
    }
    const out = cycle.pending.length > 0 ? await this.emit(cycle, max) : null;
    if (cycle.done && cycle.pending.length === 0) await this.finish(cycle);
    return out;
  }

  private async checkChunk(cycle: Cycle): Promise<Candidate[]> {
    const size = this.reg.chunkSize;
    const digest = await this.polled.chunk(cycle.after, size);
    // The last chunk also owns every known key beyond the source's last key.
    const final = !digest || digest.count < size;
    const [lo, hi] = memberRange(cycle.after, final ? null : digest.last);
    const known = (await rangeKeyed(this.redis, this.keys.table(this.reg.table, 'known'), lo, hi)).map(parseMember);
    const mine = chunkDigest(known.map((k) => k.values));
    let candidates: Candidate[] = [];
    if (!digest) candidates = known;
    else if (mine.count !== digest.count || mine.sum !== digest.sum) {
      const source = new Set((await this.polled.keysIn(cycle.after, digest.last)).map(sortableKey));
      candidates = known.filter((k) => !source.has(sortableKey(k.values)));
    }
    cycle.chunks++;
    if (final) cycle.done = true;
    else cycle.after = digest.last;
    return candidates;
  }

  /** Confirms and emits up to `max` pending deletes; the rest wait for the next tick. */
  private async emit(cycle: Cycle, max: number): Promise<{ changes: CapturedChange[]; updates: KeyedUpdate[] } | null> {
    const take = cycle.pending.slice(0, Math.min(max, CONFIRM_BATCH));
    const present = new Set((await this.polled.present(take.map((c) => c.values))).map(sortableKey));
    // A key emitted again since the candidate was read (re-inserted) is no longer a delete.
    const current = await this.knownMembers(take.map((c) => sortableKey(c.values) + '\u0000'));
    const gone = take.filter((c, i) => !present.has(sortableKey(c.values)) && current[i] !== null && current[i]!.endsWith(JSON.stringify([c.stamp, c.values])));
    const at = gone.length > 0 ? await this.polled.clockIso() : '';
    // Only now, with every query done: a failure above retries the same candidates.
    cycle.pending.splice(0, take.length);
    if (gone.length === 0) return null;
    cycle.deleted += gone.length;
    return {
      changes: gone.map((c) => ({
        operation: 'DELETE' as const,
        // Polling keeps no row images: the before image is the key (docs/polling.md).
        before: keyObject(this.reg.keyColumns, c.values),
        after: null,
        primaryKey: keyObject(this.reg.keyColumns, c.values),
        timestamp: at,
        transactionId: null,
        changeId: deleteChangeId(c.stamp, c.values),
        position: deletePosition(c.stamp, c.values),
      })),
      updates: gone.map((c) => ({ prefix: sortableKey(c.values) + '\u0000', member: null })),
    };
  }

  private async finish(cycle: Cycle): Promise<void> {
    const facts = { completed_at: new Date().toISOString(), duration_ms: Date.now() - cycle.startedAt, chunks: cycle.chunks, deletes: cycle.deleted };
    await this.redis.hset(this.keys.table(this.reg.table, 'reconcile'), facts);
    this.logger.debug(facts, 'reconciliation cycle complete');
    this.cycle = null;
    this.nextAt = cycle.startedAt + this.reg.reconcileEveryMs;
  }
}
