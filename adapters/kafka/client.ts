import kafkajs, { type Kafka as KafkaClient, type KafkaConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import { TransientError, UserInputError } from '../../src/core/errors.js';
import type { KafkaSecurity } from '../../src/config/kafka-settings.js';

// kafkajs is CommonJS; Node's ESM loader can't see all of its named exports.
const { Kafka, logLevel } = kafkajs;

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  security: KafkaSecurity;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retry: RetryOptions;
}

/** The one place a kafkajs client is made, so every Kafka use (sink, replay) gets TLS and SASL. */
export function createKafkaClient(o: KafkaClientOptions): KafkaClient {
  return new Kafka({
    clientId: o.clientId,
    brokers: o.brokers,
    connectionTimeout: o.connectionTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    retry: o.retry,
    logLevel: logLevel.NOTHING,
    ...kafkajsSecurity(o.security),
  });
}

export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const { tls, sasl } = security;
  if (tls) {
    out.ssl = {
      rejectUnauthorized: true,
      ...(tls.ca !== undefined ? { ca: [tls.ca] } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
      ...(tls.keyPassword !== undefined ? { passphrase: tls.keyPassword } : {}),
      // The chain is still verified; only the name check is skipped.
      ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
    };
  }
  if (sasl) out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  return out;
}

/** Node's codes for a certificate the client does not accept: retrying cannot fix them. */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function causeCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/**
 * One line for a failure to reach the cluster. A refused login or an untrusted certificate will not
 * go away by retrying, so they become UserInputError (the CLI prints it and nothing starts); the
 * rest stays retryable. Messages name the broker and mechanism, never the password.
 */
export function explainKafkaError(err: unknown, brokers: string[], security: KafkaSecurity): Error {
  const where = `Kafka at ${brokers.join(',')}`;
  const name = (err as { name?: string } | null)?.name ?? '';
  const message = (err as Error)?.message ?? String(err);
  if (name === 'KafkaJSSASLAuthenticationError' && security.sasl) {
    const mechanism = security.sasl.mechanism.toUpperCase();
    return new UserInputError(
      `${where} refused the SASL ${mechanism} login of user ${JSON.stringify(security.sasl.username)}: wrong username or password, or the mechanism is not enabled for that user`,
      { cause: err },
    );
  }
  const code = causeCode(err);
  if (code !== undefined && CERTIFICATE_CODES.has(code)) {
    const hint = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'the broker name is not in its certificate' : 'pass the CA that signed the broker certificate with --kafka-ca-file (kafka.ssl.ca_file)';
    return new UserInputError(`TLS to ${where} failed: certificate not accepted (${code}: ${message.replace(/^Connection error: /, '')}); ${hint}`, { cause: err });
  }
  if (/Request is not valid given the current SASL state/.test(message)) {
    return new UserInputError(`${where} does not expect SASL on this listener: drop --kafka-sasl-mechanism or use the broker's SASL port`, { cause: err });
  }
  let hint = '';
  if (/Closed connection/i.test(message) && !security.tls) hint = ' (if that listener uses TLS, pass --kafka-tls or --kafka-ca-file)';
  else if (/before secure TLS connection was established/i.test(message) && security.tls) hint = ' (that listener may not use TLS)';
  return new TransientError(`cannot reach ${where}: ${message}${hint}`, { cause: err });
}
