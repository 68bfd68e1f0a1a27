import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMysqlDatabase, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, uniqueId } from '../helpers/kafka.js';
import { runCli, startCli } from '../helpers/cli.js';
import { SECURED, secret } from '../helpers/secured.js';

/**
 * No secret is ever printed. Full commands run with known secrets — a MariaDB user's password (in
 * the URL and from a file), the Kafka SASL password, the state store's Redis password, passwords in
 * `?password=` and in malformed URLs (also from a config file's `url`) — at debug and trace log
 * level, through successes and failures; every byte of stdout and stderr is searched for each.
 * MariaDB and Redis check these passwords, so the file-given ones are also proven to be used.
 */
describe('secrets never reach any output', () => {
  let db: TestDatabase;
  let dir: string;
  const outputs: { what: string; out: string }[] = [];
  const tag = randomBytes(4).toString('hex');
  const dbUser = `cdc_sec_${tag}`;
  const dbPassword = `Db-S3cret-${tag}`;
  const fake = {
    pgQuery: `PgQuery-S3cret-${tag}`,
    pgMalformed: `PgMalformed-S3cret-${tag}`,
    bare: `Bare-S3cret-${tag}`,
    configUrl: `Config-S3cret-${tag}`,
    mysqlQuery: `MyQuery-S3cret-${tag}`,
    kafkaWrong: `KafkaWrong-S3cret-${tag}`,
    redisWrong: `RedisWrong-S3cret-${tag}`,
  };
  let kafkaPassword: string;
  let redisPassword: string;
  let withPassword: string;
  let withoutPassword: string;

  const record = <R extends { stdout: string; stderr: string }>(what: string, r: R): R => {
    outputs.push({ what, out: `${r.stdout}\n${r.stderr}` });
    return r;
  };

  before(async () => {
    kafkaPassword = secret(SECURED.kafkaPasswordFile);
    redisPassword = secret(SECURED.redisPasswordFile);
    dir = mkdtempSync(join(tmpdir(), 'cdc-secrets-'));
    db = await createMysqlDatabase();
    await db.exec('CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(40))');
    await db.exec(`CREATE USER '${dbUser}'@'%' IDENTIFIED BY '${dbPassword}'`);
    await db.exec(`GRANT ALL PRIVILEGES ON *.* TO '${dbUser}'@'%'`);
    const u = new URL(db.url);
    u.username = dbUser;
    withoutPassword = u.toString();
    u.password = encodeURIComponent(dbPassword);
    withPassword = u.toString();
    writeFileSync(join(dir, 'db.password'), `${dbPassword}\n`);
    writeFileSync(join(dir, 'kafka.password'), kafkaPassword);
    writeFileSync(join(dir, 'redis.password'), redisPassword);
  });
  after(async () => {
    await db?.exec(`DROP USER IF EXISTS '${dbUser}'@'%'`).catch(() => undefined);
    await db?.drop();
  });

  test('install, run at trace level with SASL and a password-protected state store, status, help', async () => {
    const installed = record('install-triggers', await runCli(['install-triggers', '--source', withoutPassword, '--source-password-file', join(dir, 'db.password'), '--table', 'accounts']));
    assert.equal(installed.code, 0, installed.stderr);

    const sid = uniqueId('secret');
    const run = startCli(
      ['run', '--source', withoutPassword, '--source-id', sid, '--kafka', SECURED.kafkaBrokers.join(','), '--kafka-ca-file', SECURED.caFile,
        '--kafka-sasl-mechanism', 'scram-sha-256', '--kafka-sasl-username', SECURED.kafkaUser, '--state', 'redis://127.0.0.1:6380/0', '--log-level', 'trace', '--schedule', '50ms'],
      { CDC_SOURCE_PASSWORD_FILE: join(dir, 'db.password'), CDC_KAFKA_SASL_PASSWORD: kafkaPassword, CDC_STATE_PASSWORD_FILE: join(dir, 'redis.password') },
    );
    try {
      await db.exec(`INSERT INTO accounts VALUES (1, 'ada')`);
      const got = await consumeAll([`cdc.${sid}.${db.name}.accounts`], { until: (m) => m.length >= 1 });
      assert.equal(got[0]!.value.after_data.owner, 'ada');
    } finally {
      const code = await run.stop();
      record('run', run);
      assert.equal(code, 0, run.stderr.slice(-2000));
    }
    assert.match(run.stderr, /"level":20/, 'debug lines were written');

    record('status', await runCli(['status', '--source', withPassword, '--state', `redis://:${redisPassword}@127.0.0.1:6380/0`]));
    const json = record('status --json', await runCli(['status', '--json', '--source', withPassword]));
    assert.equal(json.code, 0, json.stderr);
    for (const cmd of ['run', 'replay', 'status', 'install-triggers', 'upgrade', 'install-poll', 'snapshot']) {
      record(`${cmd} --help`, await runCli([cmd, '--help'], { CDC_KAFKA_SASL_PASSWORD: kafkaPassword, CDC_SOURCE_URL: withPassword, CDC_STATE_URL: `redis://:${redisPassword}@h/0` }));
    }
  });

  test('failures: wrong passwords, ?password=, malformed URLs, a config file url', async () => {
    const fails: [string, string[], Record<string, string>?][] = [
      ['kafka wrong password', ['run', '--source', withPassword, '--kafka', SECURED.kafkaBrokers.join(','), '--kafka-ca-file', SECURED.caFile, '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'cdc', '--log-level', 'debug'], { CDC_KAFKA_SASL_PASSWORD: fake.kafkaWrong }],
      ['redis wrong password', ['status', '--source', withPassword, '--state', `redis://cdc:${fake.redisWrong}@127.0.0.1:6380/0`]],
      ['pg ?password=', ['status', '--source', `postgres://u@127.0.0.1:1/db?password=${fake.pgQuery}`]],
      ['pg ?password= with bad sslmode', ['status', '--source', `postgres://u@127.0.0.1:5432/db?password=${fake.pgQuery}&sslmode=bogus`]],
      ['mysql ?password=', ['status', '--source', `mysql://u@127.0.0.1:1/db?password=${fake.mysqlQuery}`]],
      ['pg malformed postgres:/', ['status', '--source', `postgres:/u:${fake.pgMalformed}@127.0.0.1/db`]],
      ['mysql malformed mysql:/', ['install-triggers', '--table', 't', '--source', `mysql:/u:${fake.pgMalformed}@127.0.0.1/db`]],
      ['bare u:pw@host', ['status', '--source', `u:${fake.bare}@127.0.0.1/db`]],
      ['bare in run', ['run', '--source', `u:${fake.bare}@127.0.0.1/db`, '--sink', 'stdout', '--log-level', 'trace']],
      ['unreachable with the real password', ['status', '--source', withPassword.replace(':3306', ':1')]],
      ['file and URL password both', ['status', '--source', withPassword, '--source-password-file', join(dir, 'db.password')]],
    ];
    const config = join(dir, 'cdc.yaml');
    writeFileSync(config, `sink: stdout\nlog_level: trace\nsources:\n  - url: "postgres:/u:${fake.configUrl}@127.0.0.1:5432/db"\n`);
    fails.push(['config file url', ['run', '--config', config]]);
    const config2 = join(dir, 'cdc2.yaml');
    writeFileSync(config2, `sink: stdout\nlog_level: trace\nsources:\n  - url: "postgres://u@127.0.0.1:1/db?password=${fake.configUrl}"\n`);
    fails.push(['config file ?password=', ['run', '--config', config2, '--connect-timeout', '1']]);

    for (const [what, args, env] of fails) {
      const r = record(what, await runCli(args, env ?? {}, 60_000));
      assert.notEqual(r.code, 0, `${what} should fail`);
      assert.match(r.stderr.trim().split('\n').at(-1)!, /^cdc: /, `${what} ends with one cdc: line`);
    }
  });

  test('no output contains any secret', () => {
    const secrets = [dbPassword, kafkaPassword, redisPassword, ...Object.values(fake)];
    assert.ok(outputs.length > 20, `${outputs.length} outputs collected`);
    for (const { what, out } of outputs) {
      for (const s of secrets) {
        for (const form of new Set([s, encodeURIComponent(s)])) {
          assert.ok(!out.includes(form), `${what} printed a secret (${s.slice(0, 8)}…):\n${out.slice(Math.max(0, out.indexOf(form) - 300), out.indexOf(form) + 100)}`);
        }
      }
    }
  });
});
