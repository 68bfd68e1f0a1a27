import { Option, type Command } from 'commander';
import { SASL_MECHANISMS, type KafkaSecurity } from '../config/kafka-settings.js';
import { resolveKafkaSecurity } from '../config/kafka-security.js';
import { validateConfig } from '../config/load.js';
import type { CdcConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';

/** The Kafka security flags as commander hands them over; each has its CDC_KAFKA_* variable. */
export interface KafkaSecurityFlags {
  kafkaTls?: boolean;
  kafkaCaFile?: string;
  kafkaCertFile?: string;
  kafkaKeyFile?: string;
  kafkaKeyPasswordFile?: string;
  kafkaKeyPassword?: string;
  kafkaNoVerifyHostname?: boolean;
  kafkaSaslMechanism?: string;
  kafkaSaslUsername?: string;
  kafkaSaslPassword?: string;
  kafkaSaslPasswordFile?: string;
}

/**
 * Adds the flags to a command that talks to Kafka (run, replay). Secrets have a `-file` flag and an
 * environment variable; `--kafka-sasl-password` exists for completeness, but a flag's value shows in
 * `ps`, so the help steers to the file or the variable. No value is ever a default, so `--help`
 * prints none.
 */
export function addKafkaSecurityOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--kafka-tls', 'connect to Kafka with TLS (implied by --kafka-ca-file/--kafka-cert-file)').env('CDC_KAFKA_TLS'))
    .addOption(new Option('--kafka-ca-file <file>', 'PEM CA bundle that signed the brokers\' certificates').env('CDC_KAFKA_CA_FILE'))
    .addOption(new Option('--kafka-cert-file <file>', 'PEM client certificate (mutual TLS), with --kafka-key-file').env('CDC_KAFKA_CERT_FILE'))
    .addOption(new Option('--kafka-key-file <file>', 'PEM private key of the client certificate').env('CDC_KAFKA_KEY_FILE'))
    .addOption(new Option('--kafka-key-password-file <file>', 'file holding the passphrase of an encrypted --kafka-key-file').env('CDC_KAFKA_KEY_PASSWORD_FILE'))
    .addOption(new Option('--kafka-key-password <passphrase>', 'passphrase of --kafka-key-file (prefer the file or CDC_KAFKA_KEY_PASSWORD)').env('CDC_KAFKA_KEY_PASSWORD').hideHelp())
    .addOption(new Option('--kafka-no-verify-hostname', 'do not check the broker name against its certificate (the chain is still verified)').env('CDC_KAFKA_NO_VERIFY_HOSTNAME'))
    .addOption(new Option('--kafka-sasl-mechanism <mechanism>', `SASL mechanism: ${SASL_MECHANISMS.join(', ')}`).env('CDC_KAFKA_SASL_MECHANISM'))
    .addOption(new Option('--kafka-sasl-username <user>', 'SASL user').env('CDC_KAFKA_SASL_USERNAME'))
    .addOption(new Option('--kafka-sasl-password-file <file>', 'file holding the SASL password (or CDC_KAFKA_SASL_PASSWORD)').env('CDC_KAFKA_SASL_PASSWORD_FILE'))
    .addOption(new Option('--kafka-sasl-password <password>', 'SASL password (prefer --kafka-sasl-password-file or CDC_KAFKA_SASL_PASSWORD: a flag shows in ps)').env('CDC_KAFKA_SASL_PASSWORD'));
}

/**
 * Writes the flags into the raw config's `kafka.ssl` / `kafka.sasl` (flags override the file). A
 * secret given by flag or variable replaces the file's secret in either form; given twice on the
 * command line/environment it is an error naming both.
 */
export function applyKafkaSecurityFlags(raw: Record<string, any>, f: KafkaSecurityFlags): void {
  const kafka = (raw.kafka ??= {});
  const set = (section: 'ssl' | 'sasl', key: string, value: unknown) => {
    if (value === undefined) return;
    (kafka[section] ??= {})[key] = value;
  };
  set('ssl', 'enabled', f.kafkaTls ? true : undefined);
  set('ssl', 'ca_file', f.kafkaCaFile);
  set('ssl', 'cert_file', f.kafkaCertFile);
  set('ssl', 'key_file', f.kafkaKeyFile);
  set('ssl', 'verify_hostname', f.kafkaNoVerifyHostname ? false : undefined);
  setSecret(kafka, 'ssl', 'key_password', f.kafkaKeyPassword, '--kafka-key-password (CDC_KAFKA_KEY_PASSWORD)', f.kafkaKeyPasswordFile, '--kafka-key-password-file (CDC_KAFKA_KEY_PASSWORD_FILE)');
  set('sasl', 'mechanism', f.kafkaSaslMechanism);
  set('sasl', 'username', f.kafkaSaslUsername);
  setSecret(kafka, 'sasl', 'password', f.kafkaSaslPassword, '--kafka-sasl-password (CDC_KAFKA_SASL_PASSWORD)', f.kafkaSaslPasswordFile, '--kafka-sasl-password-file (CDC_KAFKA_SASL_PASSWORD_FILE)');
}

function setSecret(kafka: Record<string, any>, section: string, key: string, value: string | undefined, valueFlag: string, file: string | undefined, fileFlag: string): void {
  if (value !== undefined && file !== undefined) throw new ConfigError(`${valueFlag} and ${fileFlag} are both set: give the secret once`);
  if (value === undefined && file === undefined) return;
  const node = (kafka[section] ??= {});
  delete node[key];
  delete node[`${key}_file`];
  if (value !== undefined) node[key] = value;
  else node[`${key}_file`] = file;
}

/** For commands without a whole run config (replay): flags over an optional config file's kafka.ssl/sasl. */
export function kafkaSecurityFromFlags(f: KafkaSecurityFlags, file: CdcConfig | null): KafkaSecurity {
  const raw: Record<string, any> = { kafka: structuredClone({ ssl: file?.kafka.ssl, sasl: file?.kafka.sasl }) };
  applyKafkaSecurityFlags(raw, f);
  const { kafka } = validateConfig(raw, 'options');
  return resolveKafkaSecurity(kafka.ssl, kafka.sasl);
}
