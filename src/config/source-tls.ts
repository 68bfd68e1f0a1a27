import { z } from 'zod';
import { sourceKind } from '../core/database-url.js';
import { ConfigError } from '../core/errors.js';

/** One vocabulary for every database, libpq's; each is translated to the database's own URL parameter. */
export const SOURCE_TLS_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

/** `sources[].tls`: the config-file form of the URL's TLS parameters (docs/security.md). */
export const sourceTlsSchema = z
  .object({
    mode: z.enum(SOURCE_TLS_MODES).optional(),
    ca_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
  })
  .strict();

export type SourceTlsConfig = z.infer<typeof sourceTlsSchema>;

type Params = Record<string, string>;

/** Per database: the URL parameters the adapter reads (adapters/postgres/tls.ts, adapters/mysql/tls.ts, the mongodb driver). */
const TRANSLATE: Record<'postgres' | 'mysql' | 'mongodb', (t: SourceTlsConfig, key: string) => Params> = {
  postgres: (t) => ({
    ...(t.mode ? { sslmode: t.mode } : {}),
    ...(t.ca_file ? { sslrootcert: t.ca_file } : {}),
    ...(t.cert_file ? { sslcert: t.cert_file } : {}),
    ...(t.key_file ? { sslkey: t.key_file } : {}),
  }),
  mysql: (t) => ({
    ...(t.mode ? { 'ssl-mode': { disable: 'DISABLED', require: 'REQUIRED', 'verify-ca': 'VERIFY_CA', 'verify-full': 'VERIFY_IDENTITY' }[t.mode] } : {}),
    ...(t.ca_file ? { 'ssl-ca': t.ca_file } : {}),
    ...(t.cert_file ? { 'ssl-cert': t.cert_file } : {}),
    ...(t.key_file ? { 'ssl-key': t.key_file } : {}),
  }),
  mongodb: (t, key) => {
    if (t.cert_file !== t.key_file) {
      throw new ConfigError(`key "${key}": MongoDB reads the client certificate and its key from one PEM file: set cert_file and key_file to the same file`);
    }
    const mode = t.mode ?? 'verify-full';
    if (mode === 'disable') return { tls: 'false' };
    return {
      tls: 'true',
      ...(mode === 'require' ? { tlsInsecure: 'true' } : mode === 'verify-ca' ? { tlsAllowInvalidHostnames: 'true' } : {}),
      ...(t.ca_file ? { tlsCAFile: t.ca_file } : {}),
      ...(t.cert_file ? { tlsCertificateKeyFile: t.cert_file } : {}),
    };
  },
};

/**
 * `url` with `sources[i].tls` written into it as the database's own parameters. A parameter the URL
 * already sets is the setting given twice: an error naming the key, so neither silently wins.
 */
export function withSourceTls(url: string, tls: SourceTlsConfig | undefined, key: string): string {
  if (!tls) return url;
  const kind = sourceKind(url);
  if (kind !== 'postgres' && kind !== 'mysql' && kind !== 'mongodb') throw new ConfigError(`key "${key}": TLS applies to postgres://, mysql:// and mongodb:// sources`);
  const params = TRANSLATE[kind](tls, key);
  const q = url.indexOf('?');
  const existing = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const twice = Object.keys(params).find((p) => existing.has(p));
  if (twice) throw new ConfigError(`key "${key}" and the URL's ${twice}= both set TLS: give it once`);
  const add = new URLSearchParams(params).toString();
  if (!add) return url;
  return q < 0 ? `${url}?${add}` : `${url}&${add}`;
}
