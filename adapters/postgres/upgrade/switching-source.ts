import type { AckToken, ChangeBatch, ChangeSource, DeliveredBatch } from '../../../src/core/change-source.js';
import type { CaptureMode } from '../../../src/core/change-event.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import type { PgDriver } from '../driver.js';
import type { SourceLocks } from '../locks.js';
import { getCaptured, type CapturedTableRow } from '../state-store.js';
import { PgTriggerSource } from '../trigger/source.js';
import { dropWalObjects } from '../wal/cleanup.js';
import type { WalConfig } from '../wal/config.js';
import { WalSource } from '../wal/source.js';
import { commitToTrigger, commitToWal, takeFinalSnapshot } from './commit.js';
import { forgetWalObjects, parseSwitchRequest } from './state.js';

/** How often a trigger-mode table looks for a `cdc upgrade --to wal` request. */
const REQUEST_POLL_MS = 500;

class SwitchAck implements AckToken {
  constructor(
    readonly source: ChangeSource,
    readonly inner: AckToken,
  ) {}
}

export interface SwitchingDeps {
  driver: PgDriver;
  locks: SourceLocks;
  logger: Logger;
  ready: () => Promise<void>;
  /** null for PGlite: no WAL capture. */
  url: string | null;
  config: WalConfig;
}

/**
 * The ChangeSource `cdc run` gets for a PostgreSQL table: the trigger or WAL source the registry
 * names, switched in place when `cdc upgrade` asks, without a restart. Switch protocol:
 *
 *  trigger → wal: seeing the request, end the trigger source at a final snapshot F covering the
 *    slot's exported snapshot; wait until the sink acknowledged everything it emitted; then ONE
 *    transaction drops triggers and log and records F as the WAL source's boundary (it skips the
 *    transactions visible in F). Every transaction is delivered by exactly one side.
 *  wal → trigger: the WAL source stops at the marker `cdc upgrade` committed with the triggers; once
 *    the sink acknowledged everything before it, ONE transaction flips the mode, then slot and
 *    publication are dropped and the trigger source reads the log.
 *
 * Batches never mix modes, so `mode` (read by the pipeline right after each read) is the mode of
 * the batch just read; acks stay in order because a switch waits until every batch was acknowledged.
 * One lock per table is held by this wrapper across both sources.
 */
export class TriggerWalSwitchingSource implements ChangeSource {
  private readonly name: string;
  private inner: PgTriggerSource | WalSource | null = null;
  private innerOpen = false;
  private outstanding = 0;
  private lastPoll = 0;
  private finishing: { snapshot: string; before: bigint; start: bigint } | null = null;

  constructor(
    readonly table: TableRef,
    private readonly deps: SwitchingDeps,
  ) {
    this.name = qualifiedName(table);
  }

  get mode(): CaptureMode {
    return this.inner?.mode ?? 'trigger';
  }

  async open(): Promise<void> {
    if (this.inner) return;
    await this.deps.ready();
    await this.deps.locks.ensure(this.name, this);
    try {
      const info = await getCaptured(this.deps.driver, this.name);
      if (!info) throw new UserInputError(`table ${this.name} is not set up for capture; run cdc install-triggers --table ${this.name} first`);
      if (info.mode === 'trigger' && !info.pendingMode && (info.walSlot || info.walPublication)) await this.dropLeftovers(info);
      this.inner = this.make(info.mode);
      await this.openInner();
    } catch (err) {
      this.inner = null;
      await this.deps.locks.release(this.name, this);
      throw err;
    }
  }

  async read(maxChanges: number): Promise<ChangeBatch> {
    if (!this.inner) throw new Error(`source for ${this.name} is not open`);
    if (!this.innerOpen) await this.openInner();
    if (await this.switchIfDue()) return this.empty();
    const inner = this.inner;
    const batch = await inner.read(maxChanges);
    if (batch.changes.length > 0) this.outstanding++;
    // The old source just ran dry at its boundary: switch now rather than one poll later.
    else if (inner.finished && this.outstanding === 0) await this.switchIfDue();
    return { changes: batch.changes, ack: new SwitchAck(inner, batch.ack) };
  }

  async ack(token: AckToken, delivered?: DeliveredBatch): Promise<void> {
    if (!(token instanceof SwitchAck)) throw new Error(`ack token does not belong to the source of ${this.name}`);
    await token.source.ack(token.inner, delivered);
    this.outstanding--;
  }

  schemaVersion(): number {
    return this.inner?.schemaVersion() ?? 1;
  }

  captureGap(): string | null {
    const inner: ChangeSource | null = this.inner;
    return inner?.captureGap?.() ?? null;
  }

  async close(): Promise<void> {
    const inner = this.inner;
    if (!inner) return;
    await inner.close().catch((err: unknown) => this.deps.logger.warn({ table: this.name, err: String(err) }, 'closing the source failed'));
    await this.deps.locks.release(this.name, this);
  }

  /** Advances a pending switch; true while it waits for the sink (read nothing meanwhile). */
  private async switchIfDue(): Promise<boolean> {
    const inner = this.inner!;
    if (inner instanceof PgTriggerSource) {
      if (!this.finishing) {
        if (Date.now() - this.lastPoll < REQUEST_POLL_MS) return false;
        this.lastPoll = Date.now();
        const info = await getCaptured(this.deps.driver, this.name);
        const request = parseSwitchRequest(info?.switchRequest ?? null);
        if (info?.pendingMode !== 'wal' || request?.to !== 'wal') return false;
        const final = await takeFinalSnapshot(this.deps.driver, request.exportedSnapshot);
        this.finishing = { ...final, start: request.consistentPoint };
        inner.finishWith(final.snapshot);
        this.deps.logger.info({ table: this.name, boundary: final.snapshot }, 'switching to WAL capture: draining the trigger log up to the boundary');
      }
      if (!inner.finished) return false;
      if (this.outstanding > 0) return true;
      const info = (await getCaptured(this.deps.driver, this.name))!;
      const outcome = await commitToWal(this.deps.driver, info, this.finishing, this.finishing.start);
      this.finishing = null;
      // Withdrawn: nothing changed in the database, so a fresh trigger source simply carries on.
      await this.replace(outcome === 'switched' ? 'wal' : 'trigger');
      this.deps.logger.info({ table: this.name }, outcome === 'switched' ? 'switched to WAL capture' : 'switch to WAL capture withdrawn; staying on triggers');
      return true;
    }
    if (!inner.finished) return false;
    if (this.outstanding > 0) return true;
    const info = (await getCaptured(this.deps.driver, this.name))!;
    await inner.close();
    await commitToTrigger(this.deps.driver, this.name);
    await this.dropLeftovers(info);
    await this.replace('trigger');
    this.deps.logger.info({ table: this.name }, 'switched to trigger capture');
    return true;
  }

  private async replace(mode: CaptureMode): Promise<void> {
    await this.inner?.close();
    this.inner = this.make(mode);
    this.innerOpen = false;
    await this.openInner();
  }

  private make(mode: CaptureMode): PgTriggerSource | WalSource {
    const { driver, locks, logger, ready, url, config } = this.deps;
    if (mode === 'trigger') return new PgTriggerSource(this.table, { driver, locks, logger, ready, lockOwner: this });
    if (mode === 'wal') {
      if (!url) throw new UserInputError(`table ${this.name} is in WAL capture mode, which needs a postgres:// source URL`);
      return new WalSource(this.table, { driver, url, logger, config, ready });
    }
    throw new UserInputError(`table ${this.name} is in capture mode ${mode}, which the PostgreSQL adapter does not support`);
  }

  private async openInner(): Promise<void> {
    await this.inner!.open();
    this.innerOpen = true;
  }

  /** Slot and publication of a table back in trigger mode (a crash may have left them). */
  private async dropLeftovers(info: CapturedTableRow): Promise<void> {
    try {
      await dropWalObjects(this.deps.driver, info.walSlot, info.walPublication);
      await forgetWalObjects(this.deps.driver, this.name);
    } catch (err) {
      this.deps.logger.warn({ table: this.name, slot: info.walSlot, err: String(err) }, 'could not drop the replication slot of a table back on triggers; it retains WAL until dropped');
    }
  }

  private empty(): ChangeBatch {
    return { changes: [], ack: new SwitchAck(this.inner!, {}) };
  }
}
