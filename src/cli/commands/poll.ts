import { Command, Option } from 'commander';
import { COLUMN_KINDS, parseDuration, POLL_DEFAULTS, type PollColumnKind } from '../../../adapters/poll/config.js';
import type { PollCatalog } from '../../../adapters/poll/index.js';
import type { TableStatus } from '../../core/change-source.js';
import { UserInputError } from '../../core/errors.js';
import { createLogger } from '../../logging.js';
import { qualifiedName } from '../../core/table-ref.js';
import { RedisState } from '../../../adapters/redis/redis-state.js';
import { withPasswordFile } from '../../config/url-password.js';
import { parseIntFlag, parseTables, requireSource, sourceOption, sourcePasswordFileOption, tableOption } from '../options.js';

export const stateOption = () =>
  new Option('--state <url>', 'state store for polled tables: redis://host:port/db').env('CDC_STATE_URL');

export const statePasswordFileOption = () =>
  new Option('--state-password-file <file>', "file holding the state store's password (instead of one in the URL)").env('CDC_STATE_PASSWORD_FILE');

export function requireState(url: string | undefined, passwordFile?: string): string {
  if (!url) throw new UserInputError('missing --state <redis://host:port/db> (or CDC_STATE_URL): polling keeps its state outside the source');
  return withPasswordFile(url, passwordFile, '--state-password-file');
}

interface InstallFlags {
  source?: string;
  state?: string;
  table: string;
  column: string;
  columnKind: PollColumnKind;
  createdColumn?: string;
  keyColumns?: string;
  safetyLag: string;
  reconcileEvery: string;
  reconcileChunk: number;
}

/** Opens the state store and the poll catalog of the source, runs `fn`, closes both. */
async function withCatalog<T>(flags: { source?: string; sourcePasswordFile?: string; state?: string; statePasswordFile?: string }, fn: (c: PollCatalog) => Promise<T>): Promise<T> {
  const source = requireSource(flags.source, flags.sourcePasswordFile);
  const state = await RedisState.connect(requireState(flags.state, flags.statePasswordFile), { service: false });
  try {
    const { PollCatalog } = await import('../../../adapters/poll/index.js');
    const catalog = await PollCatalog.open(source, state);
    try {
      return await fn(catalog);
    } finally {
      await catalog.close();
    }
  } finally {
    await state.close();
  }
}

/** Poll rows for `cdc status --state`, and whether the source also has trigger capture to report. */
export async function pollStatuses(source: string, state: string, statePasswordFile?: string): Promise<{ rows: TableStatus[]; hasTriggerCatalog: boolean }> {
  return withCatalog({ source, state, statePasswordFile }, async (catalog) => {
    const rows = await catalog.status(createLogger('warn'));
    return { rows, hasTriggerCatalog: await catalog.dialect.hasTriggerCatalog() };
  });
}

/** `cdc install-poll`: polling capture, which installs nothing on the source. */
export function registerInstallPoll(program: Command): void {
  program
    .command('install-poll')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(stateOption())
    .addOption(statePasswordFileOption())
    .addOption(tableOption(true))
    .addOption(new Option('--column <column>', 'change-stamp column the application sets on every write').makeOptionMandatory().env('CDC_POLL_COLUMN'))
    .addOption(
      new Option('--column-kind <kind>', 'timestamp (database clock) or version (number from one global sequence, not a per-row counter)')
        .choices(COLUMN_KINDS)
        .default('timestamp')
        .env('CDC_POLL_COLUMN_KIND'),
    )
    .addOption(new Option('--created-column <column>', 'creation-stamp column: tells INSERT from UPDATE').env('CDC_POLL_CREATED_COLUMN'))
    .addOption(new Option('--key-columns <columns>', 'columns identifying a row, for a table without a primary key').env('CDC_KEY_COLUMNS'))
    .addOption(new Option('--safety-lag <duration>', 'how far behind the database clock the watermark stays').default(`${POLL_DEFAULTS.safetyLagMs / 1000}s`))
    .addOption(new Option('--reconcile-every <duration>', 'interval of the delete-detection cycle').default(`${POLL_DEFAULTS.reconcileEveryMs / 1000}s`))
    .addOption(new Option('--reconcile-chunk <keys>', 'keys per reconciliation checksum').argParser(parseIntFlag('--reconcile-chunk')).default(POLL_DEFAULTS.chunkSize))
    .action(async (flags: InstallFlags) => {
      // Every flag is checked before anything is opened: bad input changes nothing.
      const safetyLagMs = parseDuration('--safety-lag', flags.safetyLag);
      const reconcileEveryMs = parseDuration('--reconcile-every', flags.reconcileEvery);
      if (reconcileEveryMs < 100) throw new UserInputError('--reconcile-every must be at least 100ms');
      if (flags.reconcileChunk < 1 || flags.reconcileChunk > 100_000) throw new UserInputError('--reconcile-chunk must be from 1 to 100000');
      const keyColumns = flags.keyColumns?.split(',').map((c) => c.trim()).filter(Boolean);
      await withCatalog(flags, async (catalog) => {
        const tables = parseTables(flags.table, catalog.defaultSchema);
        if (tables.length > 1) throw new UserInputError('install-poll takes one table at a time (--column belongs to it)');
        const options = { column: flags.column, columnKind: flags.columnKind, createdColumn: flags.createdColumn ?? null, keyColumns, safetyLagMs, reconcileEveryMs, chunkSize: flags.reconcileChunk };
        const { changed, registration } = await catalog.register(tables[0]!, options);
        const what = changed ? 'registered for polling' : 'already registered for polling';
        const kind = registration.columnKind === 'version' ? ' (version)' : '';
        process.stdout.write(`${what}: ${registration.table} (column: ${registration.column}${kind}, key: ${registration.keyColumns.join(', ')})\n`);
      });
    });
}

/** `cdc uninstall-poll`: forgets a polled table; the source is untouched. */
export function registerUninstallPoll(program: Command): void {
  program
    .command('uninstall-poll')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(stateOption())
    .addOption(statePasswordFileOption())
    .addOption(tableOption(true))
    .action(async (flags: { source?: string; sourcePasswordFile?: string; state?: string; table: string }) => {
      await withCatalog(flags, async (catalog) => {
        for (const table of parseTables(flags.table, catalog.defaultSchema)) {
          const removed = await catalog.unregister(table);
          process.stdout.write(`${removed ? 'unregistered' : 'was not registered'}: ${qualifiedName(table)}\n`);
        }
      });
    });
}
