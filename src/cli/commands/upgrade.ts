import { Command, Option } from 'commander';
import type { CaptureMode } from '../../core/change-event.js';
import { UserInputError } from '../../core/errors.js';
import { qualifiedName } from '../../core/table-ref.js';
import { openSourceDatabase } from '../../sources/open-source-database.js';
import { parseTables, requireSource, sourceOption, sourcePasswordFileOption, tableOption } from '../options.js';

const TARGETS = ['trigger', 'wal', 'binlog'] as const;

export function registerUpgrade(program: Command): void {
  program
    .command('upgrade')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(tableOption(true))
    .addOption(new Option('--to <mode>', 'capture mode to switch to').choices(TARGETS).makeOptionMandatory().env('CDC_UPGRADE_TO'))
    .action(async (opts: { source?: string; sourcePasswordFile?: string; table: string; to: CaptureMode }) => {
      const db = await openSourceDatabase(requireSource(opts.source, opts.sourcePasswordFile));
      try {
        if (!db.upgrade) throw new UserInputError(`cdc upgrade does not apply to ${db.dialect} sources: their capture mode is fixed`);
        const tables = parseTables(opts.table, db.defaultSchema);
        for (const table of tables) {
          const r = await db.upgrade(table, opts.to);
          const how = r.state === 'done' ? 'switched' : 'switch requested; the running cdc run performs it';
          process.stdout.write(`${qualifiedName(table)}: ${r.from} -> ${r.to} (${how})\n`);
        }
      } finally {
        await db.close();
      }
    });
}
