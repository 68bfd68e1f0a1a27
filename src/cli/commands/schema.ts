import { Command, Option } from 'commander';
import { UserInputError } from '../../core/errors.js';
import type { SchemaVersionInfo } from '../../core/source-database.js';
import { qualifiedName } from '../../core/table-ref.js';
import { openSourceDatabase } from '../../sources/open-source-database.js';
import { parseTables, requireSource, sourceOption, sourcePasswordFileOption } from '../options.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .addOption(sourceOption())
    .addOption(sourcePasswordFileOption())
    .addOption(new Option('--table <table>', 'one captured table').makeOptionMandatory())
    .addOption(new Option('--json', 'print JSON instead of text'))
    .action(async (opts: { source?: string; sourcePasswordFile?: string; table: string; json?: boolean }) => {
      const db = await openSourceDatabase(requireSource(opts.source, opts.sourcePasswordFile));
      try {
        if (!db.schemaHistory) throw new UserInputError(`cdc schema does not apply to ${db.dialect} sources: they keep no schema history`);
        const tables = parseTables(opts.table, db.defaultSchema);
        if (tables.length !== 1) throw new UserInputError(`cdc schema takes one --table, got ${tables.length}`);
        const table = tables[0]!;
        const history = await db.schemaHistory(table);
        const name = qualifiedName(table);
        const current = history.length > 0 ? history[history.length - 1]!.version : null;
        process.stdout.write(opts.json ? JSON.stringify({ table: name, currentVersion: current, history }, null, 2) + '\n' : render(name, history));
      } finally {
        await db.close();
      }
    });
}

function render(table: string, history: SchemaVersionInfo[]): string {
  if (history.length === 0) return `${table}: no schema version recorded yet (captured before schema tracking; recorded at the next change of its columns)\n`;
  const lines = [`${table}: schema version ${history[history.length - 1]!.version}`];
  for (const v of [...history].reverse()) {
    lines.push(`  version ${v.version} (recorded ${v.recordedAt})`);
    for (const c of v.columns) lines.push(`    ${c.name} ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
  }
  return lines.join('\n') + '\n';
}
