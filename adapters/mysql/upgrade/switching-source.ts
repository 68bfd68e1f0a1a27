import type { CaptureMode } from '../../../src/core/change-event.js';
import type { AckToken, ChangeBatch, ChangeSource, DeliveredBatch } from '../../../src/core/change-source.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import type { BinlogTableSource } from '../binlog/table-source.js';
import { formatCoord, parseCoord } from '../binlog/position.js';
import type { MysqlDriver } from '../driver.js';
import { getCaptured } from '../state-store.js';
import type { MysqlTriggerSource } from '../trigger/source.js';
import { openSnapshotAt, type SnapshotStrategy } from './snapshot.js';
import { getSwitch, type ModeSwitch } from './switch-store.js';
import { cleanupAfterBinlog, commitToBinlog } from './to-binlog.js';
import { commitToTrigger, takeTriggerBoundary } from './to-trigger.js';

export interface SwitchingSourceDeps {
  driver: MysqlDriver;
  table: TableRef;
  logger: Logger;
  trigger(): MysqlTriggerSource;
  binlog(): BinlogTableSource;
  strategy: SnapshotStrategy;
  /** How often read() looks for a switch requested by `cdc upgrade`. */
  pollMs: number;
  ddlLockWaitSeconds: number;
  /** Runs before the first read of cdc's state (migrations, the state database). */
  ready(): Promise<void>;
}

interface RoutedToken extends AckToken {
  readonly source: ChangeSource;
  readonly token: AckToken;
}

/**
 * The ChangeSource of one MySQL table whatever its capture mode: it opens the trigger or binlog
 * source the registry names, and performs a switch that `cdc upgrade` requested at an exact
 * boundary without restarting `cdc run` (docs/mysql-binlog.md, "Switching modes"). Every step of a
 * switch is driven from read(), so it never overlaps a read of the inner source; a batch's ack is
 * routed to the source that produced it, and the old source is closed only once none of its
 * batches is outstanding. `mode` is the mode of the last batch read, which is what the pipeline
 * stamps on that batch's events right after the read.
 */
export class TriggerBinlogSwitchingSource implements ChangeSource {
  private inner: MysqlTriggerSource | BinlogTableSource | null = null;
  private innerMode: CaptureMode = 'trigger';
  private batchMode: CaptureMode = 'trigger';
  private pending: ModeSwitch | null = null;
  private lastPoll = 0;
  private readonly name: string;

  constructor(private readonly deps: SwitchingSourceDeps) {
    this.name = qualifiedName(deps.table);
  }

  get table(): TableRef {
    return this.deps.table;
  }

  get mode(): CaptureMode {
    return this.batchMode;
  }

  async open(): Promise<void> {
    await this.deps.ready();
    await this.pollSwitch(true);
    await this.ensureInner();
    this.batchMode = this.innerMode;
  }

  schemaVersion(): number {
    return this.inner?.schemaVersion() ?? 1;
  }

  captureGap(): string | null {
    const inner: ChangeSource | null = this.inner;
    return inner?.captureGap?.() ?? null;
  }

  async read(maxChanges: number): Promise<ChangeBatch> {
    await this.pollSwitch(false);
    await this.ensureInner();
    await this.advance();
    const inner = await this.ensureInner();
    const batch = await inner.read(maxChanges);
    this.batchMode = this.innerMode;
    const routed: RoutedToken = { source: inner, token: batch.ack };
    return { changes: batch.changes, ack: routed };
  }

  async ack(token: AckToken, delivered?: DeliveredBatch): Promise<void> {
    const routed = token as RoutedToken;
    await routed.source.ack(routed.token, delivered);
  }

  async close(): Promise<void> {
    const inner = this.inner;
    this.inner = null;
    if (inner) await inner.close();
  }

  private async pollSwitch(force: boolean): Promise<void> {
    if (!force && Date.now() - this.lastPoll < this.deps.pollMs) return;
    this.lastPoll = Date.now();
    this.pending = await getSwitch(this.deps.driver, this.name);
  }

  /** Opens the source of the registry's mode when none is open (start, or after a switch). */
  private async ensureInner(): Promise<MysqlTriggerSource | BinlogTableSource> {
    if (this.inner) return this.inner;
    const captured = await getCaptured(this.deps.driver, this.name);
    if (!captured) throw new UserInputError(`${this.name} is not installed for capture; run cdc install-triggers --table ${this.name}`);
    const mode = captured.mode === 'binlog' ? 'binlog' : 'trigger';
    if (mode === 'binlog' && this.pending?.target === 'binlog' && this.pending.phase === 'cleanup') await this.cleanup(captured.logTable);
    const inner = mode === 'binlog' ? this.deps.binlog() : this.deps.trigger();
    if (mode === 'binlog' && this.pending?.target === 'trigger' && this.pending.phase === 'boundary' && this.pending.boundary) {
      (inner as BinlogTableSource).stopAfter(parseCoord(this.pending.boundary));
    }
    try {
      await inner.open();
    } catch (err) {
      await inner.close().catch(() => undefined);
      throw err;
    }
    this.inner = inner;
    this.innerMode = mode;
    return inner;
  }

  /** One step of a pending switch, if its precondition holds now. */
  private async advance(): Promise<void> {
    const p = this.pending;
    const inner = this.inner;
    if (!p || !inner) return;
    if (this.innerMode === 'trigger' && p.target === 'binlog') {
      const trigger = inner as MysqlTriggerSource;
      trigger.requestBoundary(async (session) =>
        formatCoord(await openSnapshotAt(this.deps.driver, session, this.deps.table, this.deps.strategy, 'READ ONLY')),
      );
      const boundary = trigger.boundaryReached();
      if (boundary === null) return;
      await commitToBinlog(this.deps.driver, this.deps.table, parseCoord(boundary));
      this.deps.logger.info({ table: this.name, boundary }, 'switched to binlog capture');
      await this.replaceInner({ ...p, phase: 'cleanup' });
    } else if (this.innerMode === 'binlog' && p.target === 'binlog' && p.phase === 'cleanup') {
      const captured = await getCaptured(this.deps.driver, this.name);
      if (captured) await this.cleanup(captured.logTable);
    } else if (this.innerMode === 'binlog' && p.target === 'trigger') {
      const binlog = inner as BinlogTableSource;
      if (p.phase === 'installed') {
        const captured = await getCaptured(this.deps.driver, this.name);
        if (!captured) return;
        const boundary = await takeTriggerBoundary(this.deps.driver, this.deps.table, captured.logTable, this.deps.strategy);
        binlog.stopAfter(boundary);
        this.pending = { ...p, phase: 'boundary', boundary: formatCoord(boundary) };
        this.deps.logger.info({ table: this.name, boundary: this.pending.boundary }, 'binlog capture ends at the boundary; switching to triggers');
      } else if (p.phase === 'boundary' && p.boundary) {
        binlog.stopAfter(parseCoord(p.boundary));
        if (!binlog.drained) return;
        await commitToTrigger(this.deps.driver, this.deps.table, p.boundary);
        this.deps.logger.info({ table: this.name, boundary: p.boundary }, 'switched to trigger capture');
        await this.replaceInner(null);
      }
    }
  }

  /** Closes the drained old source; the next ensureInner() opens the registry's new mode. */
  private async replaceInner(pending: ModeSwitch | null): Promise<void> {
    const old = this.inner;
    this.inner = null;
    this.pending = pending;
    if (old) await old.close();
    await this.ensureInner();
  }

  private async cleanup(logTable: string): Promise<void> {
    try {
      await cleanupAfterBinlog(this.deps.driver, this.deps.table, logTable, this.deps.ddlLockWaitSeconds);
      this.pending = null;
    } catch (err) {
      this.deps.logger.warn({ table: this.name, err: (err as Error).message }, 'could not drop the triggers after switching to binlog; retrying later');
    }
  }
}
