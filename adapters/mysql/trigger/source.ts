import type { CapturedChange, CaptureMode } from '../../../src/core/change-event.js';
import type { AckToken, ChangeBatch, ChangeSource, DeliveredBatch } from '../../../src/core/change-source.js';
import { UserInputError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import { qualifiedName, type TableRef } from '../../../src/core/table-ref.js';
import type { MysqlDriver, MysqlSession } from '../driver.js';
import { TableBusyError } from '../errors.js';
import { cdcObjectNames, quoteIdent } from '../identifiers.js';
import { getCaptured, saveCheckpoint, type CapturedTable } from '../state-store.js';
import { HistoryKeeper } from '../../../src/history/keeper.js';
import { deleteRanges, keepRanges, remainingRanges } from './ack-query.js';
import { numberRanges } from './history-sequence.js';
import { mysqlHistoryStore } from './history-store.js';
import { LongTransactionAlarm } from './long-transactions.js';
import { TriggerWatch } from '../../../src/core/trigger-watch.js';
import { ackToken, checkpointPosition, isTriggerAckToken, type TriggerAckToken } from './position.js';
import { readLogPage, toCapturedChange } from './read-query.js';
import { lockedSession, releaseLockedSession } from '../named-lock.js';

/**
 * Opens the round's consistent-snapshot transaction on the session itself and returns the
 * boundary that goes with the snapshot (opaque here; upgrade/snapshot.ts makes it).
 */
export type BoundarySnapshot = (session: MysqlSession) => Promise<string>;

export interface TriggerSourceOptions {
  /** Warn when an open write transaction is older than this (it holds its changes back). */
  longTransactionWarnSeconds: number;
  /** A round's read view is closed after this long even with rows left, so purge is not held back. */
  maxRoundMs: number;
  /** How long read() waits for outstanding acks before it answers "nothing ready right now". */
  ackWaitMs: number;
}

/**
 * Streams one table's change log (docs/mysql-trigger.md, "Reading").
 *
 * Reads happen in rounds. A round is one consistent-snapshot transaction on a dedicated
 * connection, paged `WHERE id > last ORDER BY id`; a short page ends it. Ids are assigned at
 * write time, not commit time, so a slow transaction's rows can sit below ids already read: they
 * are simply not in this round's snapshot and stay in the log, and the next round — which starts
 * again from the lowest id — finds them. Nothing is skipped, so no gap ever has to be closed by a
 * timeout. Per-row order holds because a second change to a row waits for the first one's commit
 * (row lock): if the later change is in a snapshot, so is the earlier one, with a smaller id.
 *
 * Acked rows are deleted (exactly the emitted ids), so the log holds only undelivered changes and
 * a restart redelivers whatever is left, with the same changeIds. A new round must not start while
 * batches of the previous one are unacknowledged — it would deliver them again — so read() waits
 * for outstanding acks first (bounded by ackWaitMs, then it returns an empty batch).
 *
 * The dedicated connection also holds GET_LOCK(drain lock) for as long as the source is open, so
 * two processes never drain one table.
 */
export class MysqlTriggerSource implements ChangeSource {
  readonly mode: CaptureMode = 'trigger';
  private readonly name: string;
  private readonly lockName: string;
  private session: MysqlSession | null = null;
  private captured: CapturedTable | null = null;
  private logRef = '';
  private round: { afterId: bigint; startedAt: number; boundary: string | null } | null = null;
  /** A switch away from trigger capture asked for a boundary round (upgrade/switching-source.ts). */
  private boundarySnapshot: BoundarySnapshot | null = null;
  /** Set when a boundary round read every row of its snapshot: no further round may start. */
  private finalBoundary: string | null = null;
  private readonly outstanding = new Set<TriggerAckToken>();
  private ackWaiters: Array<() => void> = [];
  private readonly alarm: LongTransactionAlarm;
  private readonly watch: TriggerWatch;
  private registryReadAt = 0;
  /** Column names of the last emitted row image, and since when a new set waits for its version. */
  private shape: string | null = null;
  private shapeWaitSince = 0;
  private closed = false;
  /** Retention (docs/replay.md): whether acks keep what they delete, and pruning. */
  private readonly keeper: HistoryKeeper;

  constructor(
    private readonly driver: MysqlDriver,
    readonly table: TableRef,
    private readonly logger: Logger,
    private readonly options: TriggerSourceOptions,
  ) {
    this.name = qualifiedName(table);
    this.lockName = cdcObjectNames(table).drainLock;
    this.alarm = new LongTransactionAlarm(logger, this.name, options.longTransactionWarnSeconds);
    const triggers = Object.values(cdcObjectNames(table).triggers);
    this.watch = new TriggerWatch(this.name, () => missingTriggers(driver, table, triggers), logger);
    this.keeper = new HistoryKeeper(mysqlHistoryStore(driver, this.name), logger);
  }

  async open(): Promise<void> {
    const captured = await getCaptured(this.driver, this.name);
    if (!captured) throw new UserInputError(`${this.name} is not installed for trigger capture; run cdc install-triggers --table ${this.name}`);
    this.captured = captured;
    this.registryReadAt = Date.now();
    this.logRef = `${quoteIdent(this.driver.database)}.${quoteIdent(captured.logTable)}`;
    await this.connect();
  }

  schemaVersion(): number {
    return this.captured?.schemaVersion ?? 1;
  }

  /** Why changes of this table are not being captured right now (a trigger dropped), or null. */
  captureGap(): string | null {
    return this.watch.current;
  }

  async read(maxChanges: number): Promise<ChangeBatch> {
    if (!this.captured) throw new Error('read() called before open()');
    if (!Number.isSafeInteger(maxChanges) || maxChanges < 1) throw new Error(`maxChanges must be a positive integer, got ${maxChanges}`);
    await this.keeper.tick();
    if (!this.round) {
      if (this.finalBoundary !== null) return emptyBatch();
      if (this.outstanding.size > 0 && !(await this.acksSettled(this.options.ackWaitMs))) return emptyBatch();
      if (this.closed) return emptyBatch();
      const session = await this.connect();
      await this.alarm.check(session).catch((err) => this.logger.debug({ table: this.name, err: String(err) }, 'long-transaction check failed'));
      await this.refreshRegistry();
      if (this.finalBoundary === null && !this.boundarySnapshot) await this.watch.tick();
      let boundary: string | null = null;
      if (this.boundarySnapshot) {
        try {
          boundary = await this.boundarySnapshot(session);
        } catch (err) {
          if (!session.lost) await session.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      } else {
        await session.exec('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      }
      this.round = { afterId: 0n, startedAt: Date.now(), boundary };
    }
    const round = this.round;
    const captured = this.captured;
    try {
      const page = await readLogPage(this.session!, this.logRef, round.afterId, maxChanges);
      const ctx = { table: this.name, generation: captured.generation, keyColumns: captured.keyColumns };
      const all = page.map((row) => toCapturedChange(row, ctx));
      const take = await this.sameShapePrefix(all);
      const rows = page.slice(0, take);
      const changes = all.slice(0, take);
      const ids = rows.map((r) => BigInt(r.id));
      if (ids.length > 0) round.afterId = ids[ids.length - 1]!;
      // Rows held back for a new column set stay for the next read of this round.
      const complete = page.length < maxChanges && take === page.length;
      if (complete || Date.now() - round.startedAt >= this.options.maxRoundMs) {
        // Only a round that read its whole snapshot can be the last one before a switch.
        if (complete && round.boundary !== null) this.finalBoundary = round.boundary;
        await this.endRound();
      }
      if (changes.length === 0) return emptyBatch();
      const token = ackToken(ids);
      this.outstanding.add(token);
      return { changes, ack: token };
    } catch (err) {
      await this.abandonRound();
      throw err;
    }
  }

  /**
   * From now on every round is a boundary round: its snapshot comes with a boundary (`snapshot`),
   * and the first one that reads all its rows is the last round (docs/mysql-binlog.md).
   */
  requestBoundary(snapshot: BoundarySnapshot): void {
    this.boundarySnapshot = snapshot;
  }

  /** The boundary, once its final round was read and every batch of it acknowledged; else null. */
  boundaryReached(): string | null {
    return this.finalBoundary !== null && this.round === null && this.outstanding.size === 0 ? this.finalBoundary : null;
  }

  async ack(token: AckToken, delivered?: DeliveredBatch): Promise<void> {
    if (!isTriggerAckToken(token)) throw new Error('ack token was not produced by the MySQL trigger source');
    if (token.count === 0 || !this.outstanding.has(token)) return;
    // Decided when the ack runs, not when the batch was read (see HistoryKeeper).
    const keep = this.keeper.retaining;
    if (keep && !delivered) throw new Error(`${this.name} keeps change history, but its ack was not told the batch's sequence numbers`);
    const retry = token.attempted;
    token.attempted = true;
    await this.driver.transaction(async (q) => {
      const ranges = retry ? await remainingRanges(q, this.logRef, token.ranges) : token.ranges;
      if (keep) {
        // The generation of the read: a new one is adopted only between rounds, with nothing outstanding.
        const kept = { generation: this.captured!.generation, schemaVersion: delivered!.schemaVersion };
        await keepRanges(q, this.logRef, this.name, numberRanges(token.ranges, ranges, delivered!.firstSequence), kept);
      }
      const deleted = await deleteRanges(q, this.logRef, ranges);
      if (!retry && deleted !== token.count) {
        this.logger.warn({ table: this.name, expected: token.count, deleted }, 'some acknowledged change-log rows were already gone');
      }
      await saveCheckpoint(q, this.name, checkpointPosition(token.lastId!, new Date()));
    });
    this.outstanding.delete(token);
    if (this.outstanding.size === 0) this.wakeAckWaiters();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAckWaiters();
    this.round = null;
    const session = this.session;
    this.session = null;
    if (!session) return;
    // Closing the connection rolls back the round and releases the drain lock too, but the server
    // does that asynchronously: a switch that opens the next source at once could find the lock
    // still held. ROLLBACK and RELEASE_LOCK first make both happen before close() returns.
    if (!session.lost) await session.exec('ROLLBACK').catch(() => undefined);
    await releaseLockedSession(session, this.lockName);
  }

  /**
   * A re-install while we run (ALTER TABLE, then install-triggers) bumps the schema version or the
   * key; pick it up between rounds, at most every 10 s, so events carry it without a restart. A new
   * generation means the log was re-created (someone dropped it): adopting it here, with nothing
   * outstanding, keeps change ids of the old and the new log apart.
   */
  private async refreshRegistry(): Promise<void> {
    if (Date.now() - this.registryReadAt < 10_000) return;
    this.registryReadAt = Date.now();
    const latest = await getCaptured(this.driver, this.name);
    if (!latest) return;
    this.captured = latest;
    this.logRef = `${quoteIdent(this.driver.database)}.${quoteIdent(latest.logTable)}`;
  }

  /**
   * How many leading changes of a page to emit now. The schema version is one per batch, so a
   * batch ends where the row images' column set changes (a re-install regenerated the triggers).
   * When a page starts with a new column set, the registry is read at once instead of within
   * 10 s, so these rows carry the bumped version; if the re-install has replaced the triggers but
   * not yet committed the bump (milliseconds), they are held back for up to SHAPE_WAIT_MS.
   */
  private async sameShapePrefix(changes: CapturedChange[]): Promise<number> {
    if (changes.length === 0) return 0;
    const head = shapeOf(changes[0]!);
    let take = 1;
    while (take < changes.length && shapeOf(changes[take]!) === head) take++;
    if (this.shape !== null && head !== this.shape) {
      const before = this.captured!.schemaVersion;
      await this.adoptSchemaVersion();
      if (this.captured!.schemaVersion === before) {
        this.shapeWaitSince ||= Date.now();
        if (Date.now() - this.shapeWaitSince < SHAPE_WAIT_MS) return 0;
        // After a restart the registry may already have had the new version when the log still
        // held rows of the old column set; the new rows then rightly keep the version.
      }
    }
    this.shape = head;
    this.shapeWaitSince = 0;
    return take;
  }

  /** Takes the registry's schema version now; a new log or key waits for the next round. */
  private async adoptSchemaVersion(): Promise<void> {
    const latest = await getCaptured(this.driver, this.name);
    const current = this.captured!;
    if (!latest || latest.generation !== current.generation || latest.logTable !== current.logTable) return;
    this.captured = { ...current, schemaVersion: latest.schemaVersion, columnsSignature: latest.columnsSignature };
  }

  /** The dedicated session, reconnecting (and re-taking the drain lock) after it was lost. */
  private async connect(): Promise<MysqlSession> {
    if (this.closed) throw new Error(`the source of ${this.name} is closed`);
    if (this.session && !this.session.lost) return this.session;
    if (this.session) await this.session.close().catch(() => undefined);
    this.session = null;
    const session = await lockedSession(
      this.driver,
      this.lockName,
      (holder) => new TableBusyError(`${this.name} is already being drained by another cdc process (MySQL connection ${holder})`),
    );
    try {
      await session.exec('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    } catch (err) {
      await session.close();
      throw err;
    }
    this.session = session;
    return session;
  }

  private async endRound(): Promise<void> {
    this.round = null;
    await this.session!.exec('COMMIT');
  }

  /** After a failed read: drop the round; a broken connection is replaced on the next read. */
  private async abandonRound(): Promise<void> {
    this.round = null;
    const session = this.session;
    if (session && !session.lost) await session.exec('ROLLBACK').catch(() => undefined);
  }

  private acksSettled(timeoutMs: number): Promise<boolean> {
    if (this.outstanding.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(this.outstanding.size === 0);
      };
      const timer = setTimeout(() => {
        this.ackWaiters = this.ackWaiters.filter((w) => w !== done);
        resolve(this.outstanding.size === 0);
      }, timeoutMs);
      this.ackWaiters.push(done);
    });
  }

  private wakeAckWaiters(): void {
    const waiters = this.ackWaiters;
    this.ackWaiters = [];
    for (const w of waiters) w();
  }
}

/** Long enough for a re-install to commit its registry row after replacing the triggers. */
const SHAPE_WAIT_MS = 2_000;

function shapeOf(change: CapturedChange): string {
  return Object.keys(change.after ?? change.before ?? {}).sort().join('\u0000');
}

function emptyBatch(): ChangeBatch {
  return { changes: [], ack: ackToken([]) };
}

/** MySQL triggers cannot be disabled, only dropped: all three must exist on the table. */
async function missingTriggers(driver: MysqlDriver, table: TableRef, names: readonly string[]): Promise<string | null> {
  const [row] = await driver.rows<{ tables: number | string; triggers: number | string }>(
    `SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?) AS tables,
            (SELECT COUNT(*) FROM information_schema.TRIGGERS
              WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? AND TRIGGER_NAME IN (?, ?, ?)) AS triggers`,
    [table.schema, table.name, table.schema, table.name, ...names],
  );
  if (Number(row?.tables) === 0) return null; // a dropped table: its log is drained, nothing more can come
  return Number(row?.triggers) < names.length ? 'its capture triggers are missing' : null;
}
