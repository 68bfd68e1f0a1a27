import { randomUUID } from 'node:crypto';
import type { CapturedChange, Operation } from '../../src/core/change-event.js';
import type { AckToken, ChangeBatch, ChangeSource } from '../../src/core/change-source.js';
import { TransientError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import type { TableRef } from '../../src/core/table-ref.js';
import { applyKeyed, lookupKeyed, type KeyedUpdate } from '../redis/keyed-set.js';
import { Lease } from '../redis/lease.js';
import type { RedisState, SourceKeys } from '../redis/redis-state.js';
import { POLL_DEFAULTS, type PollRegistration } from './config.js';
import type { PolledRow, PolledTable, PollDialect, Watermark } from './dialect.js';
import { keyObject, knownMember, sortableKey } from './keys.js';
import { changeId, changePosition, formatCheckpoint, PollAck, type PollCheckpoint } from './position.js';
import { Reconciler } from './reconcile.js';
import { SchemaVersions } from './schema-version.js';

/** Another process streams this table; transient so this one waits as a standby. */
export class PollTableBusyError extends TransientError {}

export interface PollSourceDeps {
  state: RedisState;
  keys: SourceKeys;
  dialect: PollDialect;
  registration: PollRegistration;
  logger: Logger;
}

/**
 * Streams one table by keyset polling on (stamp, key) (docs/polling.md).
 *
 * A read round fixes an upper bound below which no stamp can still appear (database clock minus
 * the safety lag, and never past the start of the oldest open transaction; for a version column,
 * the highest version seen once every transaction open then has ended: version-bound.ts), then
 * pages through `(stamp, key) > cursor AND stamp < upper` (version: `<=`) in (stamp, key) order.
 * Paging on the pair, not the stamp alone, loses nothing when many rows share one stamp. A short
 * page ends the round.
 *
 * The cursor lives in memory; the checkpoint (Redis) moves on ack, together with the "known
 * keys" the batch's events introduced, which the reconciler compares with the source to find
 * deletes. Batches still in flight are overlaid on the known keys, so INSERT/UPDATE decisions
 * and a redelivery after a crash (same rows, same checkpoint) come out the same.
 */
export class PollSource implements ChangeSource {
  readonly mode = 'poll' as const;
  readonly table: TableRef;
  private polled: PolledTable | null = null;
  private cursor: Watermark | null = null;
  private round: { upper: string | null; reference: string | null } | null = null;
  private readonly overlay = new Map<string, { member: string | null; batch: number }>();
  private outstanding = 0;
  private batches = 0;
  private ackChain: Promise<unknown> = Promise.resolve();
  private readonly lease: Lease;
  private readonly knownKey: string;
  private readonly checkpointKey: string;
  private reconciler: Reconciler | null = null;
  private schema: SchemaVersions | null = null;

  constructor(private readonly deps: PollSourceDeps) {
    const { registration: reg, keys } = deps;
    this.table = { schema: reg.schema, name: reg.name };
    this.knownKey = keys.table(reg.table, 'known');
    this.checkpointKey = keys.table(reg.table, 'checkpoint');
    this.lease = new Lease(deps.state.redis, keys.table(reg.table, 'lease'), randomUUID(), POLL_DEFAULTS.leaseMs);
  }

  async open(): Promise<void> {
    const { registration: reg, state, keys, dialect, logger } = this.deps;
    await this.claim();
    try {
      const polled = await dialect.openTable(reg, logger);
      const checkpoint = await state.getJson<PollCheckpoint>(this.checkpointKey);
      this.schema = new SchemaVersions(state.redis, keys.table(reg.table, 'schema'), () => polled.refresh(), logger);
      await this.schema.check(true);
      this.polled = polled;
      this.cursor = checkpoint ? { stamp: checkpoint.stamp, key: checkpoint.key } : null;
      this.round = null;
      this.overlay.clear();
      this.outstanding = 0;
      this.reconciler = new Reconciler(polled, state.redis, keys, reg, logger, (prefixes) => this.knownMembers(prefixes));
    } catch (err) {
      await this.lease.release();
      throw err;
    }
  }

  async read(maxChanges: number): Promise<ChangeBatch> {
    const polled = this.requireOpen();
    await this.claim();
    // Deletes are looked for only with nothing in flight, so a DELETE never overtakes the
    // acknowledgement (and known-key entry) of the row's last INSERT/UPDATE.
    if (this.outstanding === 0) {
      const deletes = await this.reconciler!.step(maxChanges);
      if (deletes) return this.issue(deletes.changes, null, deletes.updates);
    }
    await this.schema!.check(false);
    const { registration: reg } = this.deps;
    if (!this.round) {
      const { upper } = await polled.safeUpper(reg.safetyLagMs);
      this.round = { upper, reference: this.cursor?.stamp ?? reg.registeredAt };
    }
    const round = this.round;
    const marks = { registeredAt: reg.registeredAt, reference: round.reference };
    const rows = round.upper === null ? [] : await polled.readPage(this.cursor, round.upper, marks, maxChanges);
    if (rows.length < maxChanges) this.round = null;
    if (rows.length === 0) return { changes: [], ack: new PollAck(this, 0, null, []) };
    const known = await this.knownMembers(rows.map((r) => sortableKey(r.key) + '\u0000'));
    const changes = rows.map((r, i) => this.toChange(r, known[i] !== null));
    const updates = rows.map((r) => ({ prefix: sortableKey(r.key) + '\u0000', member: knownMember(r.key, r.stamp) }));
    const last = rows[rows.length - 1]!;
    this.cursor = { stamp: last.stamp, key: last.key };
    return this.issue(changes, { stamp: last.stamp, key: last.key, event_time: last.eventTime }, updates);
  }

  async ack(token: AckToken): Promise<void> {
    if (!(token instanceof PollAck) || token.owner !== this) throw new Error(`ack token does not belong to the poll source of ${this.deps.registration.table}`);
    if (token.batch === 0) return;
    const checkpoint = token.checkpoint ? formatCheckpoint(token.checkpoint) : null;
    const run = this.ackChain
      .catch(() => undefined)
      .then(() => applyKeyed(this.deps.state.redis, this.knownKey, this.checkpointKey, checkpoint, token.updates));
    this.ackChain = run;
    await run;
    for (const u of token.updates) if (this.overlay.get(u.prefix)?.batch === token.batch) this.overlay.delete(u.prefix);
    this.outstanding--;
  }

  schemaVersion(): number {
    return this.schema?.version ?? 1;
  }

  async close(): Promise<void> {
    await this.ackChain.catch(() => undefined);
    this.polled = null;
    await this.lease.release();
  }

  private issue(changes: CapturedChange[], checkpoint: PollCheckpoint | null, updates: KeyedUpdate[]): ChangeBatch {
    const batch = ++this.batches;
    for (const u of updates) this.overlay.set(u.prefix, { member: u.member, batch });
    this.outstanding++;
    return { changes, ack: new PollAck(this, batch, checkpoint, updates) };
  }

  /** Known members as Redis has them, with batches still in flight applied on top. */
  private async knownMembers(prefixes: string[]): Promise<(string | null)[]> {
    const stored = await lookupKeyed(this.deps.state.redis, this.knownKey, prefixes);
    return prefixes.map((p, i) => (this.overlay.has(p) ? this.overlay.get(p)!.member : stored[i]!));
  }

  /**
   * SNAPSHOT: unchanged since registration. With a created column, INSERT when it is newer than
   * the watermark the round started from; without one, INSERT when cdc does not know the key
   * (never emitted, or its DELETE was). Otherwise UPDATE. No before image (docs/polling.md).
   */
  private toChange(r: PolledRow, known: boolean): CapturedChange {
    const operation: Operation = r.beforeRegistration ? 'SNAPSHOT' : (r.createdAfter ?? !known) ? 'INSERT' : 'UPDATE';
    return {
      operation,
      before: null,
      after: r.failure === undefined ? r.after : null,
      primaryKey: keyObject(this.deps.registration.keyColumns, r.key),
      timestamp: r.eventTime,
      transactionId: null,
      changeId: changeId(r.stamp, r.key),
      position: changePosition(r.stamp, r.key),
      ...(r.failure !== undefined ? { failure: `polled row ${JSON.stringify(r.key)}: ${r.failure}` } : {}),
    };
  }

  private async claim(): Promise<void> {
    if (this.lease.valid || (await this.lease.acquire())) return;
    throw new PollTableBusyError(`${this.deps.registration.table} is being polled by another cdc process; waiting to take over`);
  }

  private requireOpen(): PolledTable {
    if (!this.polled) throw new Error(`poll source for ${this.deps.registration.table} is not open`);
    return this.polled;
  }
}
