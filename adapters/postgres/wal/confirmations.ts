import type { Logger } from '../../../src/core/logger.js';
import type { PgQueryable } from '../driver.js';
import { maxLsn } from './lsn.js';
import { writeWalCheckpoint, type WalCheckpoint } from './position.js';

/**
 * The durable side of the WAL source: what may be confirmed to the server, and when. A position is
 * written to cdc.checkpoints before it is confirmed, so the slot never releases WAL that the sink
 * has not acknowledged, and a restart finds at least what the server dropped. Acks arrive in read
 * order (the pipeline's contract) and are chained, so checkpoints never go backwards.
 */
export class Confirmations {
  /** The last position confirmed to the server (and, modulo throttling of idle progress, stored). */
  confirmed: bigint;
  private outstanding = 0;
  private pendingProgress = 0n;
  private lastPersisted = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: { q: PgQueryable; tableName: string; logger: Logger; confirm: (lsn: bigint) => void },
    start: bigint,
  ) {
    this.confirmed = start;
  }

  /** A batch with changes was handed to the pipeline. */
  batchRead(): void {
    this.outstanding++;
  }

  /** The sink acknowledged a batch: store its checkpoint, then confirm it. */
  acknowledge(checkpoint: WalCheckpoint): Promise<void> {
    return this.enqueue(async () => {
      await writeWalCheckpoint(this.deps.q, this.deps.tableName, checkpoint);
      this.lastPersisted = Date.now();
      this.confirmTo(checkpoint.resume);
      this.outstanding--;
      if (this.outstanding === 0 && this.pendingProgress > this.confirmed) await this.advance(this.pendingProgress);
    });
  }

  /**
   * A read passed transactions with nothing for this table, or a heartbeat, up to `lsn`. Confirmed
   * once nothing is in flight, so an idle table does not hold WAL back. Stored at most once a
   * second: losing it in a crash only means re-reading WAL with nothing in it for us.
   */
  progress(lsn: bigint): void {
    if (lsn <= this.confirmed) return;
    if (this.outstanding > 0) {
      this.pendingProgress = maxLsn(this.pendingProgress, lsn);
      return;
    }
    this.enqueue(() => this.advance(lsn)).catch((err: unknown) =>
      this.deps.logger.debug({ table: this.deps.tableName, err: String(err) }, 'could not record WAL progress'),
    );
  }

  /** Waits for the acknowledgements in flight. */
  async settled(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  private async advance(lsn: bigint): Promise<void> {
    if (lsn <= this.confirmed || this.outstanding > 0) return;
    if (Date.now() - this.lastPersisted >= 1000) {
      await writeWalCheckpoint(this.deps.q, this.deps.tableName, { resume: lsn, partial: null });
      this.lastPersisted = Date.now();
    }
    this.confirmTo(lsn);
  }

  private confirmTo(lsn: bigint): void {
    if (lsn <= this.confirmed) return;
    this.confirmed = lsn;
    this.deps.confirm(lsn);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.catch(() => undefined).then(step);
    this.chain = run;
    return run;
  }
}
