import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { MaskRule } from './schema.js';

export type Masker = (value: unknown) => unknown;

/**
 * A short key makes HMACs of low-entropy values (phone numbers, birth dates) cheap to brute-force
 * together with the key; 16 characters is the floor, a random 32+ is what the docs recommend.
 */
export const MIN_HASH_KEY_LENGTH = 16;

/**
 * The text a value is hashed or partially masked as, so users can reproduce a hash outside cdc
 * (`printf %s "$value" | openssl dgst -sha256 -hmac "$key"`): strings as they are, numbers and
 * booleans as JavaScript prints them, JSON columns and arrays as compact JSON.
 */
export function maskText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/**
 * HMAC-SHA256, hex. Deterministic per key, so equal inputs give equal outputs across tables and
 * restarts: joins and per-row Kafka keys keep working. NULL stays NULL (nullness is not hidden).
 */
export function hashMasker(key: KeyObject): Masker {
  // One HMAC costs ~4 µs here (OpenSSL context set-up dominates), 5–10x the rest of a transform.
  // An UPDATE carries most values twice (before_data, after_data) and a hashed key column also
  // appears in primary_key, so remembering the last primitive input saves most repeats.
  let lastIn: unknown = undefined;
  let lastOut: unknown = undefined;
  return (value) => {
    if (value === null || value === undefined) return value;
    if (value === lastIn) return lastOut;
    const out = createHmac('sha256', key).update(maskText(value)).digest('hex');
    if (typeof value !== 'object') {
      lastIn = value;
      lastOut = out;
    }
    return out;
  };
}

/** null rather than "***": null is valid for every column type, "***" would turn a number column into text. */
export const redact: Masker = () => null;

/**
 * Keeps the last `keep` characters (code points, so an emoji is never cut in half) and replaces the
 * others with "*". A value no longer than `keep` is masked entirely: never reveal a whole value.
 */
export function partialMasker(keep: number): Masker {
  return (value) => {
    if (value === null || value === undefined) return value;
    const chars = Array.from(maskText(value));
    if (chars.length <= keep) return '*'.repeat(chars.length);
    return '*'.repeat(chars.length - keep) + chars.slice(chars.length - keep).join('');
  };
}

export function maskerFor(rule: MaskRule, key: KeyObject | null): Masker {
  if (rule === 'redact') return redact;
  if (rule === 'hash') {
    if (!key) throw new Error('hash masker needs a key');
    return hashMasker(key);
  }
  return partialMasker(rule.partial);
}

/** Only hash keeps distinct rows distinct; redact/partial on a key column would merge rows' Kafka keys. */
export function keySafe(rule: MaskRule): boolean {
  return rule === 'hash';
}

export function describeRule(rule: MaskRule): string {
  return typeof rule === 'string' ? rule : `partial: ${rule.partial}`;
}

/** The HMAC key from the environment, or what is wrong. The key's value never appears in a message. */
export function loadHashKey(envName: string, env: NodeJS.ProcessEnv): { key: KeyObject } | { problem: string } {
  const secret = env[envName];
  if (secret === undefined || secret === '') {
    return { problem: `"hash" needs a secret key in environment variable ${envName}, which is not set` };
  }
  if (secret.length < MIN_HASH_KEY_LENGTH) {
    return { problem: `the secret in environment variable ${envName} is shorter than ${MIN_HASH_KEY_LENGTH} characters` };
  }
  return { key: createSecretKey(Buffer.from(secret, 'utf8')) };
}
