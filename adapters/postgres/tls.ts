import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { UserInputError } from '../../src/core/errors.js';
import { redactUrl } from '../../src/logging.js';

/** libpq's sslmode values cdc implements; `allow`/`prefer` fall back to plaintext, which node-postgres cannot. */
export const PG_SSLMODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

const TLS_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword', 'ssl'];

/**
 * The node-postgres settings for a `postgres://` URL, with libpq's TLS parameters applied the way
 * libpq documents them rather than the way pg-connection-string reads them (which turns `require`
 * into `verify-full` and reads files with a raw stack trace):
 *
 *   sslmode=disable      plaintext
 *   sslmode=require      TLS, no certificate check; with sslrootcert it behaves as verify-ca (libpq)
 *   sslmode=verify-ca    TLS, the chain must lead to sslrootcert (or the public roots), any name
 *   sslmode=verify-full  TLS, chain and host name checked
 *   sslrootcert=<file>   PEM CA bundle; `system` means Node's public roots (libpq 16)
 *   sslcert/sslkey=<file>, sslpassword   client certificate for mutual TLS
 *
 * The parameters are removed from the string handed to pg; every use of the URL (pool, WAL
 * replication, slot creation) goes through here, so they all get the same TLS.
 */
export function pgConnectionConfig(url: string): Pick<pg.ClientConfig, 'connectionString' | 'ssl'> {
  const shown = JSON.stringify(redactUrl(url));
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserInputError('invalid PostgreSQL URL: expected postgres://user[:password]@host[:port]/database');
  }
  const p = u.searchParams;
  if (!TLS_PARAMS.some((k) => p.has(k))) return { connectionString: url };
  const mode = p.get('sslmode') ?? (p.has('sslrootcert') ? 'verify-full' : p.get('ssl') === 'false' ? 'disable' : 'require');
  if (mode === 'allow' || mode === 'prefer') {
    throw new UserInputError(`invalid PostgreSQL URL ${shown}: sslmode=${mode} falls back to plaintext, which cdc does not do; use sslmode=require, verify-ca or verify-full (or disable)`);
  }
  if (!(PG_SSLMODES as readonly string[]).includes(mode)) {
    throw new UserInputError(`invalid PostgreSQL URL ${shown}: unsupported sslmode=${JSON.stringify(mode)}; expected one of ${PG_SSLMODES.join(', ')}`);
  }
  const read = (key: string) => {
    const path = p.get(key)!;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code;
      throw new UserInputError(`invalid PostgreSQL URL ${shown}: ${key}: cannot read ${path}: ${why}`);
    }
  };
  if (p.has('sslcert') !== p.has('sslkey')) throw new UserInputError(`invalid PostgreSQL URL ${shown}: sslcert and sslkey go together`);
  const rootcert = p.get('sslrootcert');
  let ssl: ConnectionOptions | false;
  if (mode === 'disable') {
    ssl = false;
  } else {
    const verify = mode === 'verify-full' || mode === 'verify-ca' || (mode === 'require' && rootcert !== null);
    ssl = { rejectUnauthorized: verify };
    if (rootcert !== null && rootcert !== 'system') ssl.ca = read('sslrootcert');
    if (verify && mode !== 'verify-full') ssl.checkServerIdentity = () => undefined;
    if (p.has('sslcert')) {
      ssl.cert = read('sslcert');
      ssl.key = read('sslkey');
    }
    if (p.has('sslpassword')) ssl.passphrase = p.get('sslpassword')!;
  }
  for (const k of TLS_PARAMS) p.delete(k);
  return { connectionString: u.toString(), ssl };
}
