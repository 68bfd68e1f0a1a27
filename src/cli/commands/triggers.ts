import { Command, Option } from 'commander';
import { UserInputError } from '../../core/errors.js';
import type { SourceDatabase } from '../../core/source-database.js';
import { qualifiedName, type TableRef } from '../../core/table-ref.js';
import { formatRetention, parseRetention } from '../../history/retention.js';
import { openSourceDatabase } from '../../sources/open-source-database.js';
import { parseTables, requireSource, sourceOption, sourcePasswordFileOption, tableOption } from '../options.js';

export function registerInstallTriggers(program: Command): void {
  program
    .command('install-triggers')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(tableOption(true))
    .addOption(
      new Option('--key-columns <columns>', 'columns identifying a row, for a table without a primary key').env('CDC_KEY_COLUMNS'),
    )
    .addOption(
      new Option('--retain <duration>', 'keep acknowledged changes this long (7d, 12h, 90m) for cdc replay --from-history; off stops and deletes the history'),
    )
    .action(async (opts: { source?: string; sourcePasswordFile?: string; table: string; keyColumns?: string; retain?: string }) => {
      // Parsed first: a bad duration changes nothing.
      const retain = opts.retain === undefined ? undefined : parseRetention(opts.retain);
      const db = await openSourceDatabase(requireSource(opts.source, opts.sourcePasswordFile));
      try {
        const tables = parseTables(opts.table, db.defaultSchema);
        const keyColumns = opts.keyColumns?.split(',').map((c) => c.trim()).filter(Boolean);
        if (keyColumns && tables.length > 1) throw new UserInputError('--key-columns applies to one table at a time');
        if (retain !== undefined && !db.setRetention) throw new UserInputError(`--retain keeps the trigger change log; ${db.dialect} has none`);
        // All tables are checked before any is installed: bad input changes nothing.
        for (const table of tables) await db.checkInstall(table, { keyColumns });
        for (const table of tables) {
          const result = await db.install(table, { keyColumns });
          const what = result.changed ? 'installed' : 'already installed';
          process.stdout.write(`${what}: ${result.table} (key: ${result.keyColumns.join(', ')})\n`);
          if (retain !== undefined) {
            const setting = await db.setRetention!(table, retain);
            process.stdout.write(setting ? `retention: ${result.table} keeps acknowledged changes for ${formatRetention(setting.retainSeconds)}\n` : `retention: ${result.table} off (history deleted)\n`);
          }
        }
      } finally {
        await db.close();
      }
    });
}

export function registerUninstallTriggers(program: Command): void {
  program
    .command('uninstall-triggers')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(tableOption(true))
    .addOption(new Option('--force', 'remove capture even when changes are still undelivered (they are discarded)'))
    .action(async (opts: { source?: string; sourcePasswordFile?: string; table: string; force?: boolean }) => {
      const db = await openSourceDatabase(requireSource(opts.source, opts.sourcePasswordFile));
      try {
        const tables = parseTables(opts.table, db.defaultSchema);
        if (!opts.force) await refuseUndelivered(db, tables);
        for (const table of tables) {
          const removed = await db.uninstall(table);
          process.stdout.write(`${removed ? 'uninstalled' : 'was not installed'}: ${qualifiedName(table)}\n`);
        }
      } finally {
        await db.close();
      }
    });
}

/**
 * Uninstalling drops the change log with whatever it still holds: changes captured but not yet
 * delivered were discarded without a word. Refuse (changing nothing) unless --force; a drain
 * first (`cdc run` until `cdc status` shows a backlog of 0) makes it safe. Log-based modes report
 * no per-table backlog (0), so they are not held back here. A change written between this check
 * and the uninstall is still discarded: stop the writers first when that matters.
 */
async function refuseUndelivered(db: SourceDatabase, tables: TableRef[]): Promise<void> {
  const wanted = new Set(tables.map(qualifiedName));
  const pending = (await db.status()).filter((s) => wanted.has(s.table) && s.backlog > 0);
  if (pending.length === 0) return;
  const list = pending.map((s) => `${s.table} (${s.backlog})`).join(', ');
  throw new UserInputError(
    `undelivered changes would be discarded: ${list}; run cdc run until cdc status shows a backlog of 0, or pass --force to discard them`,
  );
}
