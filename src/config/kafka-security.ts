import { z } from 'zod';
import { SASL_MECHANISMS, type KafkaSecurity } from './kafka-settings.js';
import { ConfigError } from '../core/errors.js';
import { readKeyFile, secretFrom } from './secret-file.js';

const path = z.string().min(1);

/** `kafka.ssl`: TLS to the brokers. Any file key turns TLS on; `enabled: true` alone trusts Node's public roots. */
export const kafkaSslSchema = z
  .object({
    enabled: z.boolean().optional(),
    ca_file: path.optional(),
    cert_file: path.optional(),
    key_file: path.optional(),
    key_password: z.string().min(1).optional(),
    key_password_file: path.optional(),
    verify_hostname: z.boolean().optional(),
  })
  .strict();

/** `kafka.sasl`: mechanism names as Kafka spells them, in any case (SCRAM-SHA-512 or scram-sha-512). */
export const kafkaSaslSchema = z
  .object({
    mechanism: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(SASL_MECHANISMS)),
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    password_file: path.optional(),
  })
  .strict();

export type KafkaSslConfig = z.infer<typeof kafkaSslSchema>;
export type KafkaSaslConfig = z.infer<typeof kafkaSaslSchema>;

/**
 * Turns `kafka.ssl` / `kafka.sasl` into what the client needs, reading every file now, so a missing
 * or unreadable file, or a password given twice, stops start-up with one line before anything
 * connects.
 */
export function resolveKafkaSecurity(ssl: KafkaSslConfig | undefined, sasl: KafkaSaslConfig | undefined): KafkaSecurity {
  return { tls: resolveTls(ssl), sasl: resolveSasl(sasl) };
}

function resolveTls(ssl: KafkaSslConfig | undefined): KafkaSecurity['tls'] {
  if (!ssl) return null;
  const anyFile = ssl.ca_file ?? ssl.cert_file ?? ssl.key_file;
  if (ssl.enabled === false) {
    if (anyFile) throw new ConfigError('key "kafka.ssl.enabled" is false but TLS files are set: remove one or the other');
    return null;
  }
  if (!ssl.enabled && !anyFile) {
    if (ssl.verify_hostname !== undefined) throw new ConfigError('key "kafka.ssl.verify_hostname" is set but TLS is off: set "kafka.ssl.enabled" or "kafka.ssl.ca_file"');
    return null;
  }
  if ((ssl.cert_file === undefined) !== (ssl.key_file === undefined)) {
    throw new ConfigError('keys "kafka.ssl.cert_file" and "kafka.ssl.key_file" go together: a client certificate needs its key');
  }
  const keyPassword = secretFrom('kafka.ssl.key_password', ssl.key_password, 'kafka.ssl.key_password_file', ssl.key_password_file);
  if (keyPassword !== null && ssl.key_file === undefined) throw new ConfigError('key "kafka.ssl.key_password" is set without "kafka.ssl.key_file"');
  const tls: NonNullable<KafkaSecurity['tls']> = { verifyHostname: ssl.verify_hostname ?? true };
  if (ssl.ca_file !== undefined) tls.ca = pem('kafka.ssl.ca_file', ssl.ca_file, 'CERTIFICATE');
  if (ssl.cert_file !== undefined) tls.cert = pem('kafka.ssl.cert_file', ssl.cert_file, 'CERTIFICATE');
  if (ssl.key_file !== undefined) tls.key = pem('kafka.ssl.key_file', ssl.key_file, 'PRIVATE KEY');
  if (keyPassword !== null) tls.keyPassword = keyPassword;
  return tls;
}

function resolveSasl(sasl: KafkaSaslConfig | undefined): KafkaSecurity['sasl'] {
  if (!sasl) return null;
  const password = secretFrom('kafka.sasl.password', sasl.password, 'kafka.sasl.password_file', sasl.password_file);
  if (password === null) {
    throw new ConfigError('SASL needs a password: key "kafka.sasl.password" or "kafka.sasl.password_file" (CDC_KAFKA_SASL_PASSWORD, --kafka-sasl-password-file)');
  }
  return { mechanism: sasl.mechanism, username: sasl.username, password };
}

/** PEM files only: a DER file or the wrong file would otherwise fail later as an opaque TLS error. */
function pem(key: string, path: string, label: 'CERTIFICATE' | 'PRIVATE KEY'): string {
  const text = readKeyFile(key, path);
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) {
    throw new ConfigError(`key "${key}": ${path} holds no PEM ${label.toLowerCase()} (-----BEGIN ${label}-----)`);
  }
  return text;
}
