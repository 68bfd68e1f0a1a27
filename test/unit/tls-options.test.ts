import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKafkaSecurity } from '../../src/config/kafka-security.js';
import { applyKafkaSecurityFlags } from '../../src/cli/kafka-options.js';
import { explainKafkaError, kafkajsSecurity } from '../../adapters/kafka/client.js';
import { pgConnectionConfig } from '../../adapters/postgres/tls.js';
import { parseMysqlTls } from '../../adapters/mysql/tls.js';
import { UserInputError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'cdc-tls-unit-'));
const ca = join(dir, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const key = join(dir, 'k.pem');
writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
const pw = join(dir, 'pw');
writeFileSync(pw, 'from-file\n');

test('kafka security: files read, TLS implied by a CA, hostname verification on by default', () => {
  const s = resolveKafkaSecurity({ ca_file: ca }, { mechanism: 'scram-sha-512', username: 'u', password_file: pw });
  assert.equal(s.tls?.verifyHostname, true);
  assert.match(s.tls!.ca!, /BEGIN CERTIFICATE/);
  assert.deepEqual(s.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 'from-file' });
  assert.deepEqual(resolveKafkaSecurity(undefined, undefined), { tls: null, sasl: null });
  assert.equal(resolveKafkaSecurity({ enabled: true }, undefined).tls?.ca, undefined);
  const k = kafkajsSecurity(resolveKafkaSecurity({ ca_file: ca, verify_hostname: false }, undefined));
  assert.equal(typeof (k.ssl as { checkServerIdentity?: unknown }).checkServerIdentity, 'function');
  assert.equal((k.ssl as { rejectUnauthorized: boolean }).rejectUnauthorized, true, 'the chain is always verified');
});

test('kafka security: bad input names the key', () => {
  const cases: [Parameters<typeof resolveKafkaSecurity>, RegExp][] = [
    [[{ ca_file: join(dir, 'none') }, undefined], /key "kafka\.ssl\.ca_file": cannot read .*: no such file/],
    [[{ ca_file: dir }, undefined], /is a directory/],
    [[{ ca_file: pw }, undefined], /holds no PEM certificate/],
    [[{ ca_file: ca, cert_file: ca }, undefined], /go together/],
    [[{ key_file: key, cert_file: ca, key_password: 'a', key_password_file: pw }, undefined], /both set/],
    [[undefined, { mechanism: 'plain', username: 'u', password: 'a', password_file: pw }], /keys "kafka\.sasl\.password" and "kafka\.sasl\.password_file" are both set/],
    [[undefined, { mechanism: 'plain', username: 'u' }], /SASL needs a password/],
    [[{ enabled: false, ca_file: ca }, undefined], /is false but TLS files are set/],
  ];
  for (const [args, re] of cases) assert.throws(() => resolveKafkaSecurity(...args), re);
});

test('kafka flags override the config file; a secret given twice on the command line is an error', () => {
  const raw: Record<string, any> = { kafka: { sasl: { mechanism: 'plain', username: 'u', password: 'in-file' } } };
  applyKafkaSecurityFlags(raw, { kafkaSaslPasswordFile: pw, kafkaCaFile: ca, kafkaNoVerifyHostname: true });
  assert.deepEqual(raw.kafka.sasl, { mechanism: 'plain', username: 'u', password_file: pw });
  assert.deepEqual(raw.kafka.ssl, { ca_file: ca, verify_hostname: false });
  assert.throws(() => applyKafkaSecurityFlags({}, { kafkaSaslPassword: 'a', kafkaSaslPasswordFile: pw }), /are both set/);
});

test('kafka errors: refused login and certificate are permanent and name broker and mechanism', () => {
  const sec = { tls: { verifyHostname: true }, sasl: { mechanism: 'scram-sha-256' as const, username: 'u', password: 'hunter2' } };
  const login = explainKafkaError(Object.assign(new Error('SASL SCRAM SHA256 authentication failed'), { name: 'KafkaJSSASLAuthenticationError' }), ['b:9094'], sec);
  assert.ok(login instanceof UserInputError);
  assert.match(login.message, /Kafka at b:9094 refused the SASL SCRAM-SHA-256 login of user "u"/);
  assert.ok(!login.message.includes('hunter2'));
  const cert = explainKafkaError(Object.assign(new Error('Connection error: self-signed certificate'), { cause: { code: 'SELF_SIGNED_CERT_IN_CHAIN' } }), ['b:9094'], sec);
  assert.ok(cert instanceof UserInputError);
  const closed = explainKafkaError(new Error('Closed connection'), ['b:9094'], { tls: null, sasl: null });
  assert.ok(!(closed instanceof UserInputError), 'a closed connection may be a restarting broker: retried');
  assert.match(closed.message, /pass --kafka-tls or --kafka-ca-file/);
});

test('postgres sslmode: libpq semantics, parameters removed from the string pg sees', () => {
  const full = pgConnectionConfig(`postgres://u@h/db?sslmode=verify-full&sslrootcert=${ca}&application_name=x`);
  assert.equal(full.connectionString, 'postgres://u@h/db?application_name=x');
  assert.equal((full.ssl as { rejectUnauthorized: boolean }).rejectUnauthorized, true);
  assert.equal((full.ssl as { checkServerIdentity?: unknown }).checkServerIdentity, undefined, 'verify-full checks the name');
  const vca = pgConnectionConfig(`postgres://u@h/db?sslmode=verify-ca&sslrootcert=${ca}`).ssl as { checkServerIdentity?: unknown };
  assert.equal(typeof vca.checkServerIdentity, 'function');
  assert.equal((pgConnectionConfig('postgres://u@h/db?sslmode=require').ssl as { rejectUnauthorized: boolean }).rejectUnauthorized, false);
  assert.equal((pgConnectionConfig(`postgres://u@h/db?sslmode=require&sslrootcert=${ca}`).ssl as { rejectUnauthorized: boolean }).rejectUnauthorized, true);
  assert.equal(pgConnectionConfig('postgres://u@h/db?sslmode=disable').ssl, false);
  assert.deepEqual(pgConnectionConfig('postgres://u@h/db'), { connectionString: 'postgres://u@h/db' });
  for (const [url, re] of [
    ['postgres://u:pw@h/db?sslmode=prefer', /falls back to plaintext/],
    ['postgres://u:pw@h/db?sslmode=allow', /falls back to plaintext/],
    ['postgres://u:pw@h/db?sslmode=strict', /unsupported sslmode="strict"/],
    ['postgres://u:pw@h/db?sslmode=verify-full&sslrootcert=/none', /sslrootcert: cannot read \/none: no such file/],
    [`postgres://u:pw@h/db?sslmode=verify-full&sslcert=${ca}`, /sslcert and sslkey go together/],
  ] as const) {
    assert.throws(() => pgConnectionConfig(url), (e: Error) => re.test(e.message) && !e.message.includes(':pw@'), url);
  }
});

test('mysql ssl-mode: VERIFY_IDENTITY by default with a CA, PREFERRED and unknown modes refused', () => {
  const p = (q: string) => parseMysqlTls(new URLSearchParams(q), '"shown"');
  assert.deepEqual(p(`ssl-ca=${ca}`), { ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', verifyCa: true, verifyIdentity: true });
  assert.deepEqual(p('ssl-mode=REQUIRED'), { verifyCa: false, verifyIdentity: false });
  assert.deepEqual(p('ssl_mode=verify_ca'), { verifyCa: true, verifyIdentity: false });
  assert.equal(p('ssl-mode=DISABLED'), undefined);
  assert.equal(p('poolSize=3'), undefined);
  assert.throws(() => p('ssl-mode=PREFERRED'), /falls back to plaintext/);
  assert.throws(() => p('ssl-mode=maybe'), /unsupported ssl-mode="maybe"; expected one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/);
  assert.throws(() => p('ssl-ca=/none'), /ssl-ca: cannot read \/none: no such file/);
});
