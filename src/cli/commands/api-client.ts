import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CdcError, UserInputError } from '../../core/errors.js';
import { splitTableList } from '../../core/table-ref.js';

/**
 * `cdc sources|consumers|replays …`: thin clients of a running `cdc serve`. Each prints the API's
 * JSON answer; an API error becomes the CLI's one-line error and exit code 1.
 */
interface ApiFlags {
  api: string;
  tokenFile?: string;
}

const apiOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--api <url>', 'the cdc serve API').env('CDC_API_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token-file <file>', 'file holding the bearer token (else CDC_API_TOKEN)').env('CDC_API_TOKEN_FILE'));

async function call(flags: ApiFlags, method: string, path: string, body?: unknown): Promise<void> {
  const token = flags.tokenFile ? readToken(flags.tokenFile) : process.env.CDC_API_TOKEN;
  if (!token) throw new UserInputError('missing token: --token-file <file> or CDC_API_TOKEN (cdc token create --scope read|admin)');
  let res: Response;
  try {
    res = await fetch(new URL(path, flags.api), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new CdcError(`cannot reach the API at ${flags.api}: ${(err as Error).cause ? String((err as Error & { cause: Error }).cause.message) : (err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = JSON.parse(text).error ?? text;
    } catch {
      // not JSON: the raw text says it
    }
    throw new CdcError(`${res.status}: ${message}`);
  }
  process.stdout.write(JSON.stringify(JSON.parse(text), null, 2) + '\n');
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UserInputError(`cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const list = (value: string | undefined) => (value ? splitTableList(value) : undefined);
const id = (value: string) => encodeURIComponent(value);

/** `cdc sources …`: the sources of a running cdc serve. */
export function registerSources(program: Command): void {
  const sources = program.command('sources');
  apiOptions(sources.command('list').description('list the sources')).action((f: ApiFlags) => call(f, 'GET', '/api/v1/sources'));
  apiOptions(sources.command('get <source_id>').description('one source')).action((s: string, f: ApiFlags) => call(f, 'GET', `/api/v1/sources/${id(s)}`));
  apiOptions(sources.command('status <source_id>').description('lag, rate, and per table mode, backlog and checkpoint')).action((s: string, f: ApiFlags) =>
    call(f, 'GET', `/api/v1/sources/${id(s)}/status`),
  );
  apiOptions(sources.command('start <source_id>').description('install what capture needs and start it')).action((s: string, f: ApiFlags) => call(f, 'POST', `/api/v1/sources/${id(s)}/start`));
  apiOptions(sources.command('stop <source_id>').description('stop capture, keeping the checkpoints')).action((s: string, f: ApiFlags) => call(f, 'POST', `/api/v1/sources/${id(s)}/stop`));
  apiOptions(sources.command('delete <source_id>').description('stop and forget a source')).action((s: string, f: ApiFlags) => call(f, 'DELETE', `/api/v1/sources/${id(s)}`));
  apiOptions(
    sources
      .command('create')
      .description('register a source; it is validated at once')
      .addOption(new Option('--db-type <type>', 'database type').choices(['postgresql', 'mysql', 'mariadb', 'mongodb']).makeOptionMandatory())
      .addOption(new Option('--source <url>', 'connection string (kept encrypted by the service)').env('CDC_SOURCE_URL').makeOptionMandatory())
      .addOption(new Option('--source-id <id>', 'names the source in topics (default: the database name)'))
      .addOption(new Option('--table <tables>', 'tables, comma-separated (default: those already set up for capture)'))
      .addOption(new Option('--install', 'install the capture triggers now'))
      .addOption(new Option('--options <json>', 'the options object as JSON (mode, format, schedule, per-table filters; docs/service.md)')),
  ).action((f: ApiFlags & { dbType: string; source: string; sourceId?: string; table?: string; install?: boolean; options?: string }) =>
    call(f, 'POST', '/api/v1/sources', {
      db_type: f.dbType,
      connection_string: f.source,
      ...(f.sourceId ? { source_id: f.sourceId } : {}),
      ...(f.table ? { tables: list(f.table) } : {}),
      ...(f.install ? { install: true } : {}),
      ...(f.options ? { options: parseJson('--options', f.options) } : {}),
    }),
  );
  apiOptions(
    sources
      .command('replay <source_id>')
      .description('start a replay of a time window into a new topic')
      .addOption(new Option('--from <time>', 'window start, ISO-8601 with a zone').makeOptionMandatory())
      .addOption(new Option('--to <time>', 'window end (default: now)'))
      .addOption(new Option('--table <tables>', 'only these tables')),
  ).action((s: string, f: ApiFlags & { from: string; to?: string; table?: string }) =>
    call(f, 'POST', `/api/v1/sources/${id(s)}/replay`, { start_timestamp: f.from, ...(f.to ? { end_timestamp: f.to } : {}), ...(f.table ? { table_filter: list(f.table) } : {}) }),
  );

}

/** `cdc consumers …`: the consumers of a running cdc serve. */
export function registerConsumers(program: Command): void {
  const consumers = program.command('consumers');
  apiOptions(consumers.command('list').description('list the consumers')).action((f: ApiFlags) => call(f, 'GET', '/api/v1/consumers'));
  apiOptions(consumers.command('get <consumer_id>').description('one consumer')).action((c: string, f: ApiFlags) => call(f, 'GET', `/api/v1/consumers/${id(c)}`));
  apiOptions(consumers.command('delete <consumer_id>').description('stop its router and forget it').addOption(new Option('--delete-topic', 'delete its topic too'))).action(
    (c: string, f: ApiFlags & { deleteTopic?: boolean }) => call(f, 'DELETE', `/api/v1/consumers/${id(c)}${f.deleteTopic ? '?delete_topic=true' : ''}`),
  );
  apiOptions(
    consumers
      .command('create')
      .description("subscribe a consumer to a source's events; it gets its own topic")
      .addOption(new Option('--source-id <id>', 'the source').makeOptionMandatory())
      .addOption(new Option('--table <tables>', 'only these tables (qualified, comma-separated)'))
      .addOption(new Option('--column <columns>', 'only these columns (key columns are always kept)'))
      .addOption(new Option('--operation <ops>', 'only these operations: INSERT,UPDATE,DELETE')),
  ).action((f: ApiFlags & { sourceId: string; table?: string; column?: string; operation?: string }) =>
    call(f, 'POST', '/api/v1/consumers', {
      source_id: f.sourceId,
      ...(f.table ? { table_filter: list(f.table) } : {}),
      ...(f.column ? { column_filter: list(f.column) } : {}),
      ...(f.operation ? { operation_filter: list(f.operation) } : {}),
    }),
  );

}

/** `cdc replays …`: the replay jobs of a running cdc serve. */
export function registerReplays(program: Command): void {
  const replays = program.command('replays');
  apiOptions(replays.command('list').description('list the replays')).action((f: ApiFlags) => call(f, 'GET', '/api/v1/replays'));
  apiOptions(replays.command('get <replay_id>').description('a replay with its progress')).action((r: string, f: ApiFlags) => call(f, 'GET', `/api/v1/replays/${id(r)}`));
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserInputError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
}
