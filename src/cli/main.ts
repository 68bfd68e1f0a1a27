import { Command, CommanderError } from 'commander';
import { CdcError, isPrivilegeError } from '../core/errors.js';
import { redactSecrets } from '../logging.js';
import { registerCommands } from './command-list.js';

/**
 * The `cdc` binary. Commands stay thin: they parse flags, call into src/ and print. Every failure
 * ends as one line on stderr and a non-zero exit; passwords never reach the terminal.
 */
const program = new Command('cdc')
  .description('Change data capture for legacy databases: triggers, polling or logs into Kafka')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

try {
  await registerCommands(program, process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help text).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    const detail = (err as Error)?.message ?? String(err);
    const message =
      err instanceof CdcError
        ? err.message
        : isPrivilegeError(err)
          ? `the database refused: ${detail} (the grants each command and capture mode needs are in docs/security.md)`
          : `unexpected error: ${detail}`;
    process.stderr.write(`cdc: ${redactSecrets(message).replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = 1;
  }
}

// Every command has finished its own cleanup by now; a stray driver timer must not keep the
// process (and a supervisor waiting for it) alive.
process.exit(process.exitCode ?? 0);
