import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { isSqliteRegistry } from './registry/registry.js';
import { SecretBox } from './secret-box.js';

/**
 * The key that seals connection strings: CDC_REGISTRY_KEY, else --registry-key-file. A server
 * registry (PostgreSQL/MySQL) without either refuses to start. An SQLite registry without either
 * uses `<registry file>.key`, generated on first start with mode 0600: the embedded default then
 * works with no setup, and the key sits beside the data it protects exactly as a file's own
 * permissions would (move the key elsewhere with --registry-key-file for real separation).
 */
export function resolveRegistryKey(registry: string, keyFile: string | undefined, env: NodeJS.ProcessEnv): SecretBox {
  if (env.CDC_REGISTRY_KEY) return SecretBox.fromText(env.CDC_REGISTRY_KEY, 'CDC_REGISTRY_KEY');
  if (keyFile) return SecretBox.fromText(readKey(keyFile), `--registry-key-file ${keyFile}`);
  if (!isSqliteRegistry(registry)) {
    throw new ConfigError('a PostgreSQL/MySQL registry needs a key: set CDC_REGISTRY_KEY or --registry-key-file (32 random bytes, base64: openssl rand -base64 32)');
  }
  const beside = `${registry}.key`;
  if (!existsSync(beside)) writeFileSync(beside, SecretBox.generateKeyText() + '\n', { mode: 0o600, flag: 'wx' });
  return SecretBox.fromText(readKey(beside), beside);
}

function readKey(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the registry key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
