import { Command, Option } from 'commander';
import { openRegistry } from '../../serve/registry/registry.js';
import { createToken } from '../../serve/registry/tokens-store.js';
import { SCOPES, type Scope } from '../../serve/tokens.js';
import { registryOption } from './serve.js';

export function registerToken(program: Command): void {
  const token = program.command('token');
  token
    .command('create')
    .description('create a bearer token and print it once; only its hash is stored')
    .addOption(new Option('--scope <scope>', 'read: GET only; admin: everything').choices(SCOPES).makeOptionMandatory())
    .addOption(registryOption())
    .action(async (flags: { scope: Scope; registry: string }) => {
      const db = await openRegistry(flags.registry);
      try {
        process.stdout.write((await createToken(db, flags.scope)) + '\n');
      } finally {
        await db.destroy();
      }
    });
}
