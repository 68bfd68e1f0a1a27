import cliProgress from 'cli-progress';
import type { Logger } from '../core/logger.js';
import type { SnapshotProgress } from '../core/snapshot.js';
import { percentDone } from '../snapshot/run-snapshot.js';

/** Shows a running snapshot: a progress bar on a terminal, a JSON log line every few seconds otherwise. */
export interface ProgressDisplay {
  update(p: SnapshotProgress): void;
  stop(): void;
}

export function progressDisplay(stream: NodeJS.WriteStream, logger: Logger, everyMs = 5_000): ProgressDisplay {
  return stream.isTTY ? barDisplay(stream) : logDisplay(logger, everyMs);
}

function barDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{table} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const begin = Date.now();
  return {
    update(p) {
      // The total is the planner's estimate: grow it rather than overflow the bar.
      const total = Math.max(p.rowsEstimate, p.rowsDone, 1);
      const rate = Math.round(p.rowsDone / Math.max((Date.now() - begin) / 1000, 0.001));
      if (!started) {
        bar.start(total, p.rowsDone, { table: p.table, rate: 0 });
        started = true;
      }
      bar.setTotal(p.state === 'done' ? p.rowsDone || 1 : total);
      bar.update(p.state === 'done' ? p.rowsDone || 1 : p.rowsDone, { table: p.table, rate });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function logDisplay(logger: Logger, everyMs: number): ProgressDisplay {
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (p.state !== 'done' && now - last < everyMs) return;
      last = now;
      logger.info(
        { table: p.table, state: p.state, rows: p.rowsDone, estimate: p.rowsEstimate, percent: percentDone(p), chunks: p.chunks },
        'snapshot progress',
      );
    },
    stop() {},
  };
}
