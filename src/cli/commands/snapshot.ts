import { Command, Option } from 'commander';
import { UserInputError } from '../../core/errors.js';
import { DEFAULT_SNAPSHOT_CHUNK_SIZE, type SnapshotProgress } from '../../core/snapshot.js';
import { createLogger } from '../../logging.js';
import { runSnapshot } from '../../snapshot/run-snapshot.js';
import { openSourceDatabase } from '../../sources/open-source-database.js';
import { parseIntFlag, parseTables, requireSource, sourceOption, sourcePasswordFileOption, tableOption } from '../options.js';
import { progressDisplay } from '../snapshot-progress.js';
import { onStopSignal } from '../signals.js';

export function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(tableOption(true))
    .addOption(new Option('--chunk-size <rows>', 'rows per chunk (one short transaction each)').argParser(parseIntFlag('--chunk-size')).default(DEFAULT_SNAPSHOT_CHUNK_SIZE))
    .addOption(new Option('--restart', 'start over even if an earlier snapshot finished or was interrupted'))
    .addOption(new Option('--log-level <level>', 'log level').env('CDC_LOG_LEVEL').default('info'))
    .action(async (opts: { source?: string; sourcePasswordFile?: string; table: string; chunkSize: number; restart?: boolean; logLevel: string }) => {
      if (opts.chunkSize < 1 || opts.chunkSize > 100_000) throw new UserInputError(`--chunk-size must be between 1 and 100000, got ${opts.chunkSize}`);
      const logger = createLogger(opts.logLevel);
      const db = await openSourceDatabase(requireSource(opts.source, opts.sourcePasswordFile));
      // SIGINT/SIGTERM end the snapshot after its current chunk: that chunk commits, the next run
      // resumes. A second signal does not wait (a chunk can be waiting for a writer's row lock): the
      // open chunk rolls back, which is just as resumable.
      const abort = new AbortController();
      const stop = () => {
        if (abort.signal.aborted) process.exit(130);
        abort.abort();
      };
      const release = onStopSignal(stop);
      try {
        if (!db.snapshotTarget) throw new UserInputError(`cdc snapshot is not available for ${db.dialect} sources`);
        const tables = parseTables(opts.table, db.defaultSchema);
        // Every table is checked before the first chunk: a typo in the list changes nothing.
        const targets = [];
        for (const table of tables) targets.push(await db.snapshotTarget(table));
        for (const target of targets) {
          const display = progressDisplay(process.stderr, logger);
          let first: SnapshotProgress | null = null;
          let result: SnapshotProgress;
          try {
            result = await runSnapshot(target, {
              chunkSize: opts.chunkSize,
              restart: opts.restart ?? false,
              signal: abort.signal,
              onRetry: (err, attempt, delayMs) =>
                logger.warn({ table: target.table, attempt, retryInMs: delayMs, err: (err as Error).message }, 'snapshot chunk failed; retrying it'),
              onProgress: (p) => {
                first ??= p;
                display.update(p);
              },
            });
          } finally {
            display.stop();
          }
          process.stdout.write(summary(result, first) + '\n');
          if (abort.signal.aborted) break;
        }
      } finally {
        release();
        await db.close();
      }
      if (abort.signal.aborted) process.exitCode = 130;
    });
}

function summary(p: SnapshotProgress, first: SnapshotProgress | null): string {
  const resumed = first !== null && first.chunks > 0 && first.state === 'running' ? `, resumed after ${first.rowsDone} rows` : '';
  if (p.state === 'done') {
    const already = first?.state === 'done' ? ' (already done; --restart to run it again)' : '';
    return `snapshot of ${p.table}: done, ${p.rowsDone} rows in ${p.chunks} chunks${resumed}${already}`;
  }
  return `snapshot of ${p.table}: interrupted after ${p.rowsDone} rows (${p.chunks} chunks)${resumed}; run the same command again to resume`;
}
