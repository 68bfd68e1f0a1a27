import { Command, Option } from 'commander';
import { UserInputError } from '../../core/errors.js';
import type { SourceDatabase } from '../../core/source-database.js';
import { qualifiedName, type TableRef } from '../../core/table-ref.js';
import { formatRetention, parseRetention } from '../../history/retention.js';
import { openSourceDatabase } from '../../sources/open-source-database.js';
import { parseTables, requireSource, sourceOption, sourcePasswordFileOption, tableOption } from '../options.js';

type InstallVerb = 'install-triggers' | 'register';
type UninstallVerb = 'uninstall-triggers' | 'unregister';

/**
 * MongoDB has no triggers: its collections are registered for change-stream capture with `cdc
 * register`, and relational tables get triggers with `cdc install-triggers`. Each verb refuses the
 * other's databases, except that `install-triggers` still registers a collection, with a
 * deprecation line, for scripts written before `register` existed.
 */
function checkVerb(verb: InstallVerb | UninstallVerb, dialect: string): () => void {
  const mongo = dialect === 'mongodb';
  if ((verb === 'register' || verb === 'unregister') && !mongo) {
    const instead = verb === 'register' ? 'install-triggers' : 'uninstall-triggers';
    throw new UserInputError(`cdc ${verb} is for MongoDB collections; ${dialect} tables get triggers with cdc ${instead}`);
  }
  if ((verb === 'install-triggers' || verb === 'uninstall-triggers') && mongo) {
    const instead = verb === 'install-triggers' ? 'register' : 'unregister';
    // Printed once the command succeeded: a failure stays the one line that says what failed.
    return () => process.stderr.write(`cdc: ${verb} on MongoDB is deprecated (nothing is installed there): use cdc ${instead}\n`);
  }
  return () => undefined;
}

export function registerInstallTriggers(program: Command): void {
  addInstall(program, 'install-triggers');
}

/** `cdc register`: MongoDB collections for change-stream capture. */
export function registerRegister(program: Command): void {
  addInstall(program, 'register');
}

export function registerUninstallTriggers(program: Command): void {
  addUninstall(program, 'uninstall-triggers');
}

/** `cdc unregister`: forgets a MongoDB collection's registration and checkpoint. */
export function registerUnregister(program: Command): void {
  addUninstall(program, 'unregister');
}

function addInstall(program: Command, verb: InstallVerb): void {
  program
    .command(verb)
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
        const deprecation = checkVerb(verb, db.dialect);
        const tables = parseTables(opts.table, db.defaultSchema);
        const keyColumns = opts.keyColumns?.split(',').map((c) => c.trim()).filter(Boolean);
        if (keyColumns && tables.length > 1) throw new UserInputError('--key-columns applies to one table at a time');
        if (retain !== undefined && !db.setRetention) throw new UserInputError(`--retain keeps the trigger change log; ${db.dialect} has none`);
        // All tables are checked before any is installed: bad input changes nothing.
        for (const table of tables) await db.checkInstall(table, { keyColumns });
        for (const table of tables) {
          const result = await db.install(table, { keyColumns });
          const done = verb === 'register' ? 'registered' : 'installed';
          const what = result.changed ? done : `already ${done}`;
          process.stdout.write(`${what}: ${result.table} (key: ${result.keyColumns.join(', ')})\n`);
          if (retain !== undefined) {
            const setting = await db.setRetention!(table, retain);
            process.stdout.write(setting ? `retention: ${result.table} keeps acknowledged changes for ${formatRetention(setting.retainSeconds)}\n` : `retention: ${result.table} off (history deleted)\n`);
          }
        }
        deprecation();
      } finally {
        await db.close();
      }
    });
}

function addUninstall(program: Command, verb: UninstallVerb): void {
  program
    .command(verb)
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(tableOption(true))
    .addOption(new Option('--force', 'remove capture even when changes are still undelivered (they are discarded)'))
    .action(async (opts: { source?: string; sourcePasswordFile?: string; table: string; force?: boolean }) => {
      const db = await openSourceDatabase(requireSource(opts.source, opts.sourcePasswordFile));
      try {
        const deprecation = checkVerb(verb, db.dialect);
        const tables = parseTables(opts.table, db.defaultSchema);
        if (!opts.force) await refuseUndelivered(db, tables);
        for (const table of tables) {
          const removed = await db.uninstall(table);
          const done = verb === 'unregister' ? 'unregistered' : 'uninstalled';
          process.stdout.write(`${removed ? done : `was not ${done.replace(/^un/, '')}`}: ${qualifiedName(table)}\n`);
        }
        deprecation();
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
