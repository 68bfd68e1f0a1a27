import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * API tokens look like `cdc_<id>_<secret>`. The id finds the row; only sha256(secret) is stored, so
 * a copy of the registry grants nothing. A 32-byte random secret needs no slow hash: there is no
 * dictionary to try.
 */
const TOKEN = /^cdc_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewToken {
  id: string;
  /** Shown once to the user, never stored. */
  token: string;
  hash: string;
}

export function newToken(): NewToken {
  const id = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `cdc_${id}_${secret}`, hash: hashSecret(secret) };
}

export function parseToken(token: string): { id: string; secret: string } | null {
  const m = TOKEN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time: how much of a guess matches must not show in the response time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** `admin` may do everything; `read` only safe methods. */
export function scopeAllows(scope: Scope, method: string): boolean {
  return scope === 'admin' || method === 'GET' || method === 'HEAD';
}
