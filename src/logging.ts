import pino from 'pino';
import type { Logger } from './core/logger';

/**
 * Logs go to stderr as JSON lines (stdout is reserved for the stdout sink's events). Keys that
 * could hold secrets are censored by pino; URLs are passed through redactUrl() before logging.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'cdc' },
      redact: { paths: ['password', '*.password', 'url', '*.url', 'connectionString', '*.connectionString'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Synchronous: log volume is low, and the last lines before an exit must not be lost.
    pino.destination({ fd: 2, sync: true }),
  );
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; non-URLs are returned unchanged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}

/** Replaces every URL-with-password inside a message (driver errors sometimes echo the URL). */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s]*@/gi, '$1:***@');
}
