import { Command, Option } from 'commander';
import type { TableStatus } from '../../core/change-source.js';
import { openSourceDatabase } from '../../sources/open-source-database.js';
import { describeSnapshot } from '../../snapshot/status.js';
import { requireSource, sourceOption, sourcePasswordFileOption } from '../options.js';
import { pollStatuses, stateOption, statePasswordFileOption } from './poll.js';
import { RedisState } from '../../../adapters/redis/redis-state.js';
import { QUEUE_DEFAULTS, readTableStates } from '../../../adapters/bullmq/capture-worker.js';
import type { TableOwnership } from '../../../adapters/bullmq/table-states.js';

interface StatusFlags {
  source?: string;
  sourcePasswordFile?: string;
  json?: boolean;
  state?: string;
  statePasswordFile?: string;
  workers?: string;
  queue: string;
  queuePrefix: string;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(new Option('--json', 'print JSON instead of a table'))
    .addOption(stateOption())
    .addOption(statePasswordFileOption())
    .addOption(new Option('--workers <redis-url>', "also show which cdc worker owns each table, and failed tables with their errors (cdc worker's --redis)").env('CDC_REDIS_URL'))
    .addOption(new Option('--queue <name>', "cdc worker's --queue").env('CDC_QUEUE').default(QUEUE_DEFAULTS.queue))
    .addOption(new Option('--queue-prefix <prefix>', "cdc worker's --queue-prefix").env('CDC_QUEUE_PREFIX').default(QUEUE_DEFAULTS.prefix))
    .action(async (opts: StatusFlags) => {
      const owners = opts.workers ? await ownership(opts.workers, opts) : null;
      // With --workers alone, only the workers' view is shown: no database is opened.
      if (owners && !opts.source) {
        process.stdout.write(opts.json ? JSON.stringify({ workers: owners }, null, 2) + '\n' : renderOwnership(owners));
        return;
      }
      const source = requireSource(opts.source, opts.sourcePasswordFile);
      // With a state store, polled tables are listed too; a poll-only source is only read.
      const polled = opts.state ? await pollStatuses(source, opts.state, opts.statePasswordFile) : null;
      const rows = polled?.rows ?? [];
      if (!polled || polled.hasTriggerCatalog) {
        const db = await openSourceDatabase(source);
        try {
          rows.unshift(...(await db.status()));
        } finally {
          await db.close();
        }
      }
      if (owners) process.stdout.write(opts.json ? JSON.stringify({ tables: rows, workers: owners }, null, 2) + '\n' : renderTable(rows) + '\n' + renderOwnership(owners));
      else process.stdout.write(opts.json ? JSON.stringify(rows, null, 2) + '\n' : renderTable(rows));
    });
}

async function ownership(url: string, opts: StatusFlags): Promise<TableOwnership[]> {
  const state = await RedisState.connect(url, { service: false });
  try {
    return await readTableStates(state.redis, opts.queuePrefix, opts.queue);
  } finally {
    await state.close();
  }
}

function renderOwnership(rows: TableOwnership[]): string {
  if (rows.length === 0) return 'no worker has reported a table yet\n';
  const header = ['TABLE', 'STATE', 'WORKER', 'SINCE', 'ERROR'];
  const body = rows.map((r) => [
    r.key,
    r.state === 'running' && !r.workerAlive ? 'running (worker gone)' : r.state.toUpperCase(),
    r.worker,
    r.since,
    r.error ? `${r.error}${r.retryAt ? ` (retry at ${r.retryAt})` : ''}` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(header) + body.map(line).join('');
}

function renderTable(rows: TableStatus[]): string {
  if (rows.length === 0) return 'no table is set up for capture\n';
  const header = ['TABLE', 'MODE', 'BACKLOG', 'LAG_S', 'CHECKPOINT', 'SNAPSHOT'];
  const body = rows.map((r) => [r.table, r.mode, String(r.backlog), r.lagSeconds.toFixed(1), r.checkpoint ?? '-', describeSnapshot(r.snapshot)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  const notes = rows
    .filter((r) => r.details && Object.keys(r.details).length > 0)
    .map((r) => `  ${r.table}: ${JSON.stringify(r.details)}\n`)
    .join('');
  // Said first and in words: a table whose triggers were disabled or dropped loses changes silently.
  const warnings = rows
    .filter((r) => r.details?.triggersActive === false)
    .map((r) => `WARNING: ${r.table}: capture triggers are disabled or missing; changes are NOT being captured (run cdc install-triggers --table ${r.table})\n`)
    .join('');
  return warnings + line(header) + body.map(line).join('') + notes;
}
