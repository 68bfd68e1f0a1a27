import { readFileSync } from 'node:fs';
import { UserInputError } from '../../src/core/errors.js';
import type { MysqlTls } from './mysql2-driver.js';

/**
 * The mysql client's `--ssl-mode` values cdc implements. PREFERRED (the client's default) falls
 * back to plaintext when the server has no TLS; mysql2 cannot, and a silent downgrade is what TLS
 * is there to prevent, so it is refused with the alternatives.
 */
export const MYSQL_SSL_MODES = ['DISABLED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;

/**
 * TLS from a `mysql://` URL's parameters, named like the mysql client's options:
 * `ssl-mode`, `ssl-ca`, `ssl-cert`, `ssl-key` (underscores accepted too). With only `ssl-ca` the
 * mode is VERIFY_IDENTITY, as a CA is given to be checked against. `shown` is the redacted URL.
 */
export function parseMysqlTls(params: URLSearchParams, shown: string): MysqlTls | undefined {
  const get = (name: string) => params.get(name) ?? params.get(name.replace(/-/g, '_'));
  const ca = get('ssl-ca');
  const cert = get('ssl-cert');
  const key = get('ssl-key');
  const raw = get('ssl-mode');
  if (raw === null && ca === null && cert === null && key === null) return undefined;
  const mode = (raw ?? (ca !== null ? 'VERIFY_IDENTITY' : 'REQUIRED')).toUpperCase();
  if (mode === 'PREFERRED') {
    throw new UserInputError(`invalid MySQL URL ${shown}: ssl-mode=PREFERRED falls back to plaintext, which cdc does not do; use REQUIRED, VERIFY_CA or VERIFY_IDENTITY (or DISABLED)`);
  }
  if (!(MYSQL_SSL_MODES as readonly string[]).includes(mode)) {
    throw new UserInputError(`invalid MySQL URL ${shown}: unsupported ssl-mode=${JSON.stringify(raw)}; expected one of ${MYSQL_SSL_MODES.join(', ')}`);
  }
  if ((cert === null) !== (key === null)) throw new UserInputError(`invalid MySQL URL ${shown}: ssl-cert and ssl-key go together`);
  if (mode === 'DISABLED') return undefined;
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code;
      throw new UserInputError(`invalid MySQL URL ${shown}: ${name}: cannot read ${path}: ${why}`);
    }
  };
  return {
    ...(ca !== null ? { ca: read('ssl-ca', ca) } : {}),
    ...(cert !== null && key !== null ? { cert: read('ssl-cert', cert), key: read('ssl-key', key) } : {}),
    verifyCa: mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY',
    verifyIdentity: mode === 'VERIFY_IDENTITY',
  };
}
