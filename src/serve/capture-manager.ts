import type { Logger } from '../core/logger.js';
import { qualifiedName, parseTableRef } from '../core/table-ref.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';
import { openSourceDatabase } from '../sources/open-source-database.js';
import { wire } from '../wiring.js';
import { captureConfig, type CaptureSettings, type SourceSpec } from './source-spec.js';
import { RateWindow } from './rate-window.js';

interface Running {
  stop: AbortController;
  done: Promise<void>;
  rate: RateWindow;
}

/**
 * The sources this process captures, each one `cdc run` in-process: wire() builds it, and
 * CaptureService.run(signal) drains until the signal aborts. Several `cdc serve` processes may
 * all run the same started source; the per-table lock every capture takes at open (PostgreSQL
 * advisory lock, MySQL GET_LOCK) leaves exactly one of them draining each table.
 */
export class CaptureManager {
  private readonly running = new Map<string, Running>();
  /** Starts under way: an API start and the reconcile loop must not both start one source. */
  private readonly starting = new Map<string, Promise<void>>();

  constructor(
    private readonly settings: CaptureSettings & { connectTimeoutMs: number },
    private readonly logger: Logger,
  ) {}

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Installs what each table's mode needs (idempotent) and returns once capture is started. */
  async start(source: SourceSpec): Promise<void> {
    if (this.running.has(source.id)) return;
    const pending = this.starting.get(source.id);
    if (pending) return pending;
    const started = this.begin(source).finally(() => this.starting.delete(source.id));
    this.starting.set(source.id, started);
    return started;
  }

  private async begin(source: SourceSpec): Promise<void> {
    await prepareTables(source);
    const config = captureConfig(source, this.settings);
    const stop = new AbortController();
    const rate = new RateWindow();
    const observer: PipelineMetrics = { delivered: (_t, n) => rate.add(n), retried: () => undefined };
    const logger = this.logger.child({ source: source.id });
    const wired = await wire(config, logger, { connectTimeoutMs: this.settings.connectTimeoutMs, signal: stop.signal, observer });
    const done = wired.service
      .run(stop.signal)
      .catch((err) => logger.error({ err: (err as Error).message }, 'capture stopped on an error; it restarts on the next reconcile'))
      .finally(async () => {
        await wired.close();
        if (this.running.get(source.id)?.stop === stop) this.running.delete(source.id);
      });
    this.running.set(source.id, { stop, done, rate });
  }

  /** Stops the source's capture: the in-flight batch is finished or abandoned, checkpoints kept. */
  async stop(id: string): Promise<void> {
    await this.starting.get(id)?.catch(() => undefined);
    const r = this.running.get(id);
    if (!r) return;
    r.stop.abort();
    await r.done;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.runningIds().map((id) => this.stop(id)));
  }

  stats(id: string): { changesPerSecond: number; lastCapturedAt: string | null } {
    const r = this.running.get(id);
    if (!r) return { changesPerSecond: 0, lastCapturedAt: null };
    return { changesPerSecond: r.rate.perSecond(), lastCapturedAt: r.rate.lastAt() };
  }
}

/**
 * What `start` does before capture: installs the triggers (a no-op when installed like this) and,
 * for `log` tables, moves the table to WAL/binlog capture through `cdc upgrade`'s exact switch.
 */
export async function prepareTables(source: SourceSpec): Promise<void> {
  const db = await openSourceDatabase(source.url);
  try {
    if (db.dialect === 'mongodb') return; // the oplog needs nothing installed
    const captured = new Map((await db.listCaptured()).map((c) => [c.qualifiedName, c]));
    for (const t of source.tables) {
      const table = parseTableRef(t.name, db.defaultSchema);
      const current = captured.get(qualifiedName(table));
      if (!current) await db.install(table, {});
      const logMode = db.dialect === 'postgres' ? 'wal' : 'binlog';
      const wanted = t.mode === 'log' ? logMode : 'trigger';
      const now = current?.mode ?? 'trigger';
      if (now !== wanted && db.upgrade) await db.upgrade(table, wanted);
    }
  } finally {
    await db.close();
  }
}
