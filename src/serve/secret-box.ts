import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '../core/errors.js';

/** AES-256-GCM: a 12-byte random nonce per value (NIST SP 800-38D), a 16-byte tag. */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const VERSION = 'v1';

/**
 * Encrypts the registry's connection strings. A stored value is `v1:<base64 nonce|tag|ciphertext>`;
 * the version prefix leaves room for a key rotation without guessing what a row holds.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new ConfigError(`the registry key must be ${KEY_BYTES} bytes (base64 or hex encoded), got ${key.length}`);
    this.key = key;
  }

  /** `text` is the key as written in CDC_REGISTRY_KEY or the key file: base64 or hex of 32 bytes. */
  static fromText(text: string, origin: string): SecretBox {
    const t = text.trim();
    const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
    if (key.length !== KEY_BYTES) throw new ConfigError(`${origin}: expected 32 random bytes, base64 or hex encoded (openssl rand -base64 32)`);
    return new SecretBox(key);
  }

  static generateKeyText(): string {
    return randomBytes(KEY_BYTES).toString('base64');
  }

  seal(plain: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Throws ConfigError when the value was sealed with another key or altered. */
  open(sealed: string): string {
    const [version, payload] = sealed.split(':', 2);
    if (version !== VERSION || payload === undefined) throw new ConfigError('a registry secret has an unknown format');
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new ConfigError('cannot decrypt a registry secret: the registry key differs from the one it was written with', { cause: err });
    }
  }
}
