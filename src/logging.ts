import pino from 'pino';
import type { Logger } from './core/logger.js';

/**
 * Logs go to stderr as JSON lines (stdout is reserved for the stdout sink's events). Keys that
 * could hold secrets are censored by pino; every other string of a log line (messages, error
 * messages and stacks, URLs under any key) passes through redactSecrets(), so a driver that echoes
 * a connection string cannot leak it at any level.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'cdc' },
      redact: {
        paths: ['password', '*.password', 'url', '*.url', 'connectionString', '*.connectionString', 'sasl.password', '*.sasl.password'],
        censor: '[redacted]',
      },
      serializers: { err: (e: Error) => redactDeep(pino.stdSerializers.err(e)) },
      formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Synchronous: log volume is low, and the last lines before an exit must not be lost.
    pino.destination({ fd: 2, sync: true }),
  );
}

function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out;
}

/** Query parameters that carry a secret in connection strings (libpq, mysql, mongodb, redis). */
const SECRET_PARAM = /([?&;]\s*(?:password|passwd|pwd|pass|sslpassword|secret|token|auth|access[_-]?key|secret[_-]?key|api[_-]?key)=)(?!\*\*\*(?![^&\s"'<>:]))[^&\s"'<>]*/gi;

/**
 * `user:password@` anywhere: after `scheme://`, after a malformed `scheme:/` or `scheme:`, or in a
 * bare `user:password@host`. The user part has no brackets, so help text such as
 * `postgres://user[:password]@host` is left alone; the password runs to the last `@` of the token,
 * so a raw `@` inside a password is hidden too (at the price of hiding part of the host). A
 * "password" starting with `/` is a scheme's `//`, not a password.
 */
const USERINFO = /((?:^|[\s"'(=,;<>:/])[^\s"'(=,;<>:/@[\]]*):(?!\/)[^\s"'<>]*@/g;

/** Replaces every password inside a text (driver errors and stack traces sometimes echo the URL). */
export function redactSecrets(text: string): string {
  return text.replace(USERINFO, '$1:***@').replace(SECRET_PARAM, '$1***');
}

/**
 * `postgres://user:secret@host/db?password=x` → `postgres://user:***@host/db?password=***`. Also
 * for strings that are not valid URLs (`postgres:/u:pw@h`, `u:pw@h`): the text rules apply.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (new RegExp(SECRET_PARAM.source, 'i').test(`?${key}=`)) u.searchParams.set(key, '***');
    }
    return redactSecrets(u.toString()).replaceAll('%2A%2A%2A', '***');
  } catch {
    return redactSecrets(url);
  }
}
