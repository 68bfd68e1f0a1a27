import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostname, tmpdir } from 'node:os';
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { consumeAll, topicOffset, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun, type CliResult } from '../helpers/cli.js';
import { SECURED, secret } from '../helpers/secured.js';

/**
 * Kafka over TLS and SASL against the real broker's SASL_SSL listener (scripts/services/kafka/
 * secure.sh): capture end to end and replay through it, then every way the connection can be
 * refused, each one line without the password. Events written through 9094 are read back through
 * the plaintext listener of the same broker.
 */
const BROKER = SECURED.kafkaBrokers.join(',');

function oneLine(r: CliResult, pattern: RegExp): string {
  assert.notEqual(r.code, 0, `expected failure; stdout: ${r.stdout}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  return lines[0]!;
}

describe('Kafka with TLS and SASL (SASL_SSL listener)', () => {
  let db: TestDatabase;
  let dir: string;
  let password: string;
  let passwordFile: string;
  const topic = (sid: string) => `cdc.${sid}.public.items`;

  before(async () => {
    password = secret(SECURED.kafkaPasswordFile);
    dir = mkdtempSync(join(tmpdir(), 'cdc-kafka-sec-'));
    // A container secret mount ends the file with a newline; it is not part of the password.
    passwordFile = join(dir, 'kafka.password');
    writeFileSync(passwordFile, `${password}\n`);
    db = await createTestDatabase();
    const c = await db.client();
    await c.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
    const installed = await runCli(['install-triggers', '--source', db.url, '--table', 'items']);
    assert.equal(installed.code, 0, installed.stderr);
  });
  after(async () => db?.drop());

  const insert = async (id: number) => (await db.client()).query('INSERT INTO items VALUES ($1, $2)', [id, `n${id}`]);

  test('capture end to end: flags, SCRAM-SHA-512, password file, CA file; replay through the same listener', async () => {
    const sid = uniqueId('sec');
    const started = new Date(Date.now() - 60_000).toISOString();
    const security = ['--kafka-ca-file', SECURED.caFile, '--kafka-sasl-mechanism', 'SCRAM-SHA-512', '--kafka-sasl-username', SECURED.kafkaUser, '--kafka-sasl-password-file', passwordFile];
    await withCdcRun(['run', '--source', db.url, '--kafka', BROKER, '--source-id', sid, '--schedule', '50ms', ...security], async () => {
      await insert(1);
      const got = await consumeAll([topic(sid)], { until: (m) => m.length >= 1 });
      assert.deepEqual(got.map((m) => m.value.after_data), [{ id: 1, name: 'n1' }]);
    });

    const target = uniqueId('replayed');
    const r = await runCli(['replay', '--kafka', BROKER, '--from-topic', topic(sid), '--from', started, '--topic', target, ...security]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replayed 1 events/);
    assert.equal(await topicOffset(target), 1);
  });

  test('capture end to end: config keys, SCRAM-SHA-256, mutual TLS; PLAIN with the password from the environment', async () => {
    const sid = uniqueId('sec');
    const config = join(dir, 'cdc.yaml');
    writeFileSync(
      config,
      [
        'kafka:',
        `  brokers: ["${BROKER}"]`,
        '  ssl:',
        `    ca_file: ${SECURED.caFile}`,
        `    cert_file: ${SECURED.clientCertFile}`,
        `    key_file: ${SECURED.clientKeyFile}`,
        '  sasl:',
        '    mechanism: scram-sha-256',
        `    username: ${SECURED.kafkaUser}`,
        `    password_file: ${passwordFile}`,
        'sources:',
        `  - url: ${db.url}`,
        `    id: ${sid}`,
        'defaults: { schedule: 50ms }',
      ].join('\n'),
    );
    await withCdcRun(['run', '--config', config], async () => {
      await insert(2);
      const got = await consumeAll([topic(sid)], { until: (m) => m.some((e) => e.value.after_data?.id === 2) });
      assert.ok(got.length >= 1);
    });

    const sid2 = uniqueId('sec');
    await withCdcRun(
      ['run', '--source', db.url, '--kafka', BROKER, '--source-id', sid2, '--schedule', '50ms'],
      async () => {
        await insert(3);
        await consumeAll([topic(sid2)], { until: (m) => m.some((e) => e.value.after_data?.id === 3) });
      },
      { CDC_KAFKA_CA_FILE: SECURED.caFile, CDC_KAFKA_SASL_MECHANISM: 'PLAIN', CDC_KAFKA_SASL_USERNAME: SECURED.kafkaUser, CDC_KAFKA_SASL_PASSWORD: password },
    );
  });

  test('replay --from-history writes through SASL_SSL too, with kafka.sasl from its --config', async () => {
    const retained = await runCli(['install-triggers', '--source', db.url, '--table', 'items', '--retain', '1d']);
    assert.equal(retained.code, 0, retained.stderr);
    const sid = uniqueId('hist');
    let from = '';
    const security = ['--kafka-ca-file', SECURED.caFile, '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', SECURED.kafkaUser, '--kafka-sasl-password-file', passwordFile];
    await withCdcRun(['run', '--source', db.url, '--kafka', BROKER, '--source-id', sid, '--schedule', '50ms', ...security], async () => {
      // The history is complete from when the running service started keeping it (history_since).
      const c = await db.client();
      for (;;) {
        const { rows } = await c.query(`SELECT history_since FROM cdc.captured_tables WHERE table_name = 'public.items'`);
        if (rows[0]?.history_since) {
          from = new Date(rows[0].history_since.getTime() + 1).toISOString();
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await insert(40);
      await consumeAll([topic(sid)], { until: (m) => m.some((e) => e.value.after_data?.id === 40) });
    });
    const config = join(dir, 'history.yaml');
    writeFileSync(config, `kafka:\n  brokers: ["${BROKER}"]\n  ssl: { ca_file: ${SECURED.caFile} }\n  sasl: { mechanism: plain, username: ${SECURED.kafkaUser}, password_file: ${passwordFile} }\nsources: [{ url: "${db.url}", id: ${sid} }]\n`);
    const target = uniqueId('hist-replayed');
    const r = await runCli(['replay', '--from-history', '--source', db.url, '--config', config, '--table', 'items', '--from', from, '--topic', target]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replayed [1-9]\d* events of public\.items/);
    assert.ok((await topicOffset(target)) >= 1);
  });

  test('a wrong password: one line naming mechanism and broker, never the password, at once', async () => {
    const wrong = 'Wr0ng-pass-4711';
    const t0 = Date.now();
    const r = await runCli(
      ['run', '--source', db.url, '--kafka', BROKER, '--kafka-ca-file', SECURED.caFile, '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', SECURED.kafkaUser],
      { CDC_KAFKA_SASL_PASSWORD: wrong },
    );
    const line = oneLine(r, /SCRAM-SHA-512/);
    assert.match(line, /127\.0\.0\.1:9094/);
    assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong), 'the password is never printed');
    assert.ok(Date.now() - t0 < 20_000, 'a refused login is not retried until the connect timeout');

    const plain = await runCli(['replay', '--kafka', BROKER, '--from-topic', 'x', '--from', '2024-01-01T00:00:00Z', '--topic', 'y', '--kafka-ca-file', SECURED.caFile,
      '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', SECURED.kafkaUser, '--kafka-sasl-password', wrong]);
    oneLine(plain, /SASL PLAIN .*127\.0\.0\.1:9094|127\.0\.0\.1:9094.*SASL PLAIN/);
    assert.ok(!plain.stderr.includes(wrong));
  });

  test('an untrusted certificate (no CA given: only the public roots are trusted): one line', async () => {
    const r = await runCli(['run', '--source', db.url, '--kafka', BROKER, '--kafka-tls', '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', SECURED.kafkaUser, '--kafka-sasl-password-file', passwordFile]);
    oneLine(r, /TLS to Kafka at 127\.0\.0\.1:9094 failed: certificate not accepted/);
  });

  test('host name verification: on by default, off only with --kafka-no-verify-hostname', async (t) => {
    // Needs a second name for 127.0.0.1 that the broker certificate does not list (localhost and
    // 127.0.0.1 are in it); the machine's own host name usually is one.
    const name = hostname();
    const address = await lookup(name).then((a) => a.address, () => null);
    if (name === 'localhost' || address !== '127.0.0.1') return t.skip(`${name} does not resolve to 127.0.0.1`);
    const args = ['replay', '--kafka', `${name}:9094`, '--from-topic', uniqueId('none'), '--from', '2024-01-01T00:00:00Z', '--topic', uniqueId('t'),
      '--kafka-ca-file', SECURED.caFile, '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', SECURED.kafkaUser, '--kafka-sasl-password-file', passwordFile];
    oneLine(await runCli(args), /ERR_TLS_CERT_ALTNAME_INVALID.*the broker name is not in its certificate/);
    // Past TLS and SASL: the broker answers that the topic does not exist.
    oneLine(await runCli([...args, '--kafka-no-verify-hostname']), /topic .* does not exist/);
  });

  test('plaintext to the TLS port: one line within the connect timeout, no hang', async () => {
    const t0 = Date.now();
    const r = await runCli(['run', '--source', db.url, '--kafka', BROKER, '--connect-timeout', '3'], {}, 30_000);
    oneLine(r, /cannot reach Kafka at 127\.0\.0\.1:9094: .*pass --kafka-tls or --kafka-ca-file/);
    assert.ok(Date.now() - t0 < 25_000, `took ${Date.now() - t0} ms`);
  });

  test('SASL PLAIN without TLS: a warning; SASL to a listener without it: one clear line', async () => {
    const r = await runCli(['run', '--source', db.url, '--kafka', '127.0.0.1:9092', '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'u', '--kafka-sasl-password-file', passwordFile]);
    assert.notEqual(r.code, 0);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /"level":40.*SASL PLAIN without TLS sends the Kafka password in clear/);
    assert.match(lines.at(-1)!, /^cdc: Kafka at 127\.0\.0\.1:9092 does not expect SASL on this listener/);
    assert.equal(lines.length, 2, r.stderr);
  });

  describe('bad input: one line, nothing starts', () => {
    const sid = uniqueId('bad');
    const base = () => ['run', '--source', db.url, '--kafka', BROKER, '--source-id', sid];
    const sasl = () => ['--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', SECURED.kafkaUser];

    test('a TLS file that does not exist, or is not readable', async () => {
      oneLine(await runCli([...base(), '--kafka-ca-file', join(dir, 'missing.pem')]), /key "kafka\.ssl\.ca_file": cannot read .*missing\.pem: no such file/);
      // Tests run as root, which reads any mode; a directory is unreadable as a file for everyone.
      oneLine(await runCli([...base(), '--kafka-ca-file', dir]), /key "kafka\.ssl\.ca_file": cannot read .*: is a directory/);
      const locked = join(dir, 'locked.pem');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0o000);
      if (process.getuid?.() !== 0) {
        oneLine(await runCli([...base(), '--kafka-ca-file', locked]), /permission denied/);
      } else if (spawnSync('runuser', ['--help']).status === 0) {
        // Root reads any mode: run the same command as an unprivileged user instead.
        const r = spawnSync('runuser', ['-u', 'nobody', '--', 'env', 'HOME=/tmp', process.execPath, fileURLToPath(new URL('../../bin/cdc.js', import.meta.url)), ...base(), '--kafka-ca-file', locked], { encoding: 'utf8', timeout: 60_000 });
        oneLine({ code: r.status, stdout: r.stdout, stderr: r.stderr }, /key "kafka\.ssl\.ca_file": cannot read .*locked\.pem: permission denied/);
      }
      const notPem = join(dir, 'not.pem');
      writeFileSync(notPem, 'hello');
      oneLine(await runCli([...base(), '--kafka-ca-file', notPem]), /key "kafka\.ssl\.ca_file": .*no PEM certificate/);
      oneLine(await runCli([...base(), '--kafka-ca-file', SECURED.caFile, '--kafka-cert-file', SECURED.clientCertFile]), /"kafka\.ssl\.cert_file" and "kafka\.ssl\.key_file" go together/);
      oneLine(await runCli([...base(), ...sasl(), '--kafka-sasl-password-file', join(dir, 'nope')]), /key "kafka\.sasl\.password_file": cannot read/);
    });

    test('an unknown SASL mechanism', async () => {
      oneLine(await runCli([...base(), '--kafka-sasl-mechanism', 'GSSAPI', '--kafka-sasl-username', 'u', '--kafka-sasl-password-file', passwordFile]), /key "kafka\.sasl\.mechanism" must be one of "plain", "scram-sha-256", "scram-sha-512"/);
      const config = join(dir, 'mech.yaml');
      writeFileSync(config, `kafka:\n  brokers: ["${BROKER}"]\n  sasl: { mechanism: OAUTHBEARER, username: u, password: p }\nsources: [{ url: "${db.url}" }]\n`);
      oneLine(await runCli(['run', '--config', config]), /config file .*key "kafka\.sasl\.mechanism" must be one of/);
    });

    test('sasl.password and sasl.password_file both set', async () => {
      const config = join(dir, 'both.yaml');
      writeFileSync(config, `kafka:\n  brokers: ["${BROKER}"]\n  sasl: { mechanism: plain, username: u, password: "pw-in-file-123", password_file: ${passwordFile} }\nsources: [{ url: "${db.url}" }]\n`);
      const r = await runCli(['run', '--config', config]);
      oneLine(r, /keys "kafka\.sasl\.password" and "kafka\.sasl\.password_file" are both set/);
      assert.ok(!r.stderr.includes('pw-in-file-123'));
      oneLine(
        await runCli([...base(), ...sasl(), '--kafka-sasl-password-file', passwordFile], { CDC_KAFKA_SASL_PASSWORD: 'x' }),
        /--kafka-sasl-password \(CDC_KAFKA_SASL_PASSWORD\) and --kafka-sasl-password-file \(CDC_KAFKA_SASL_PASSWORD_FILE\) are both set/,
      );
      oneLine(await runCli([...base(), ...sasl()]), /SASL needs a password/);
    });

    test('after all of these, nothing was produced', async () => {
      await insert(99);
      assert.equal(await topicOffset(topic(sid)), 0);
    });
  });
});
