import { Command, Option } from 'commander';
import type { TableStatus } from '../../core/change-source.js';
import { openSourceDatabase } from '../../sources/open-source-database.js';
import { describeSnapshot } from '../../snapshot/status.js';
import { requireSource, sourceOption, sourcePasswordFileOption } from '../options.js';
import { pollStatuses, stateOption, statePasswordFileOption } from './poll.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(new Option('--json', 'print JSON instead of a table'))
    .addOption(stateOption())
    .addOption(statePasswordFileOption())
    .action(async (opts: { source?: string; sourcePasswordFile?: string; json?: boolean; state?: string; statePasswordFile?: string }) => {
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
      process.stdout.write(opts.json ? JSON.stringify(rows, null, 2) + '\n' : renderTable(rows));
    });
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
