import type { Command } from 'commander';

interface CommandEntry {
  description: string;
  /** Adds the command (flags and action) to the program; loaded only when the command runs. */
  load: () => Promise<(program: Command) => void>;
}

/**
 * Every `cdc` command, with the one description shown both in `cdc --help` and in `cdc <command>
 * --help`. A command's module (and the drivers it imports) loads only when that command runs, so
 * `cdc --help` and `cdc status` do not pay for Kafka, MongoDB and replication clients.
 */
export const COMMANDS: Record<string, CommandEntry> = {
  'install-triggers': {
    description: 'install the change log and INSERT/UPDATE/DELETE (and TRUNCATE on PostgreSQL) triggers; idempotent',
    load: async () => (await import('./commands/triggers.js')).registerInstallTriggers,
  },
  'uninstall-triggers': {
    description: "remove a table's triggers and change log (its data is untouched)",
    load: async () => (await import('./commands/triggers.js')).registerUninstallTriggers,
  },
  register: {
    description: 'register MongoDB collections for change-stream capture (nothing is installed on MongoDB); idempotent',
    load: async () => (await import('./commands/triggers.js')).registerRegister,
  },
  unregister: {
    description: "forget a MongoDB collection's registration and checkpoint (the collection is untouched)",
    load: async () => (await import('./commands/triggers.js')).registerUnregister,
  },
  run: {
    description: 'the capture service: drain every captured table into the sink until SIGTERM/SIGINT',
    load: async () => (await import('./commands/run.js')).registerRun,
  },
  serve: {
    description: 'the cdc service: REST API (/api/v1) over a registry of sources and consumers, and capture of the started sources',
    load: async () => (await import('./commands/serve.js')).registerServe,
  },
  token: {
    description: 'API tokens of cdc serve',
    load: async () => (await import('./commands/token.js')).registerToken,
  },
  sources: {
    description: 'sources of a running cdc serve',
    load: async () => (await import('./commands/api-client.js')).registerSources,
  },
  consumers: {
    description: 'consumers of a running cdc serve',
    load: async () => (await import('./commands/api-client.js')).registerConsumers,
  },
  replays: {
    description: 'replay jobs of a running cdc serve',
    load: async () => (await import('./commands/api-client.js')).registerReplays,
  },
  worker: {
    description: 'one of any number of capture processes sharing the tables through BullMQ on Redis: balance, failover, fenced ownership',
    load: async () => (await import('./commands/worker.js')).registerWorker,
  },
  status: {
    description: 'per captured table: capture mode, backlog, checkpoint and lag in seconds',
    load: async () => (await import('./commands/status.js')).registerStatus,
  },
  upgrade: {
    description: 'move a table between trigger and log-based capture (wal, binlog) with no gap and no duplicate',
    load: async () => (await import('./commands/upgrade.js')).registerUpgrade,
  },
  'install-poll': {
    description: 'register tables for polling capture on (column, primary key); installs nothing on the source',
    load: async () => (await import('./commands/poll.js')).registerInstallPoll,
  },
  'uninstall-poll': {
    description: "forget a polled table's registration, checkpoint and known keys (the source is untouched)",
    load: async () => (await import('./commands/poll.js')).registerUninstallPoll,
  },
  replay: {
    description:
      're-emit the changes of a time window [from, to) of a table into another topic, from Kafka itself or (--from-history) from the change history the database keeps',
    load: async () => (await import('./commands/replay.js')).registerReplay,
  },
  route: {
    description: "run one consumer's router until SIGTERM: read the source's topics, keep the changes its filters select, write them to cdc.consumer.<id>",
    load: async () => (await import('./commands/route.js')).registerRoute,
  },
  schema: {
    description: "a captured table's schema version (the events' schema_version) and the columns of every version",
    load: async () => (await import('./commands/schema.js')).registerSchema,
  },
  snapshot: {
    description: "emit every existing row of captured table(s) as SNAPSHOT events through the table's stream; resumes an interrupted snapshot",
    load: async () => (await import('./commands/snapshot.js')).registerSnapshot,
  },
};

/**
 * Registers the command the arguments name (or, for `cdc help <command>`, that one) with its
 * flags; every other command only by name and description, which is all `cdc --help` and an
 * unknown-command error need.
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const first = args.find((a) => !a.startsWith('-'));
  const wanted = first === 'help' ? args[args.indexOf('help') + 1] : first;
  for (const [name, entry] of Object.entries(COMMANDS)) {
    if (name === wanted) {
      (await entry.load())(program);
      const command = program.commands.find((c) => c.name() === name);
      if (!command) throw new Error(`command module for ${name} did not register it`);
      command.description(entry.description);
    } else {
      program.command(name).description(entry.description);
    }
  }
}
