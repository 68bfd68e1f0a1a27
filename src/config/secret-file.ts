import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a parent is not a directory',
};

/**
 * Reads a file a config key points to (certificate, key, password), at start-up, before anything
 * connects. The error names the key and the path and why; never the content.
 */
export function readKeyFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError(`key "${key}": cannot read ${path}: ${REASONS[code] ?? code ?? 'unreadable'}`);
  }
}

/**
 * A password kept in a file (a container secret): the content without its trailing line break, as
 * `echo pw > file` and most secret mounts write it. An empty file is an error, never an empty password.
 */
export function readSecretFile(key: string, path: string): string {
  const secret = readKeyFile(key, path).replace(/\r?\n$/, '');
  if (secret === '') throw new ConfigError(`key "${key}": ${path} is empty`);
  return secret;
}

/** `value` or the content of `file`, or null when neither is set; both set is an error naming both keys. */
export function secretFrom(valueKey: string, value: string | undefined, fileKey: string, file: string | undefined): string | null {
  if (value !== undefined && file !== undefined) {
    throw new ConfigError(`keys "${valueKey}" and "${fileKey}" are both set: give the secret once`);
  }
  if (file !== undefined) return readSecretFile(fileKey, file);
  return value ?? null;
}
