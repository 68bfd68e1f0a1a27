import { ConfigError } from '../core/errors.js';
import { readSecretFile } from './secret-file.js';

/**
 * `url` with the password from `file` put into it, so a container secret works for a database or
 * Redis URL: `postgres://cdc@db/shop` + file → `postgres://cdc:<pw>@db/shop` (percent-encoded).
 * The file is read now, at start-up; the error names `key`, never the content. A URL that already
 * carries a password (in its user info or `?password=`) and a file is the secret given twice.
 * Redis may leave the user out (`redis://:pw@host`, the default user); databases must name one.
 */
export function withPasswordFile(url: string, file: string | undefined, key: string): string {
  if (file === undefined) return url;
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(.*)$/is.exec(url);
  if (!m) throw new ConfigError(`key "${key}": the URL it belongs to is not scheme://user@host/…`);
  const [, scheme, user, password, rest] = m;
  if (password !== undefined || /[?&]password=/i.test(rest!)) {
    throw new ConfigError(`key "${key}" is set and the URL has a password too: give the secret once`);
  }
  const redis = /^rediss?:/i.test(scheme!);
  if (!user && !redis) throw new ConfigError(`key "${key}": the URL names no user; write it as ${scheme}user@host/…`);
  const secret = readSecretFile(key, file);
  return `${scheme}${user ?? ''}:${encodeURIComponent(secret)}@${rest}`;
}
