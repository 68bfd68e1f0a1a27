import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { consumeAll, KAFKA_BROKERS, uniqueId } from '../helpers/kafka.js';
import { runCli, withCdcRun, type CliResult } from '../helpers/cli.js';
import { COMMANDS } from '../../src/cli/command-list.js';

/** One clear line on stderr, a non-zero exit, and (checked by callers) nothing changed. */
function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `expected failure; stdout: ${r.stdout}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

describe('bad input: arguments, URLs, credentials, config', () => {
  test('unsupported URL scheme', async () => {
    assertOneLineError(await runCli(['install-triggers', '--source', 'oracle://x/y', '--table', 't']), /unsupported source URL/);
  });

  test('unreachable database: clear error, no password printed', async () => {
    const r = await runCli(['install-triggers', '--source', 'postgres://postgres:s3cretpw@127.0.0.1:1/db', '--table', 't']);
    assertOneLineError(r, /127\.0\.0\.1/);
    assert.ok(!r.stderr.includes('s3cretpw') && !r.stdout.includes('s3cretpw'));
    const m = await runCli(['status', '--source', 'mysql://root:s3cretpw@127.0.0.1:1/db']);
    assertOneLineError(m, /127\.0\.0\.1/);
    assert.ok(!m.stderr.includes('s3cretpw'));
  });

  test('wrong credentials: clear error, no password printed', async () => {
    const pgr = await runCli(['status', '--source', 'postgres://no_such_role:hunter2pw@127.0.0.1:5432/postgres']);
    assertOneLineError(pgr, /no_such_role/);
    assert.ok(!pgr.stderr.includes('hunter2pw'));
    const my = await runCli(['status', '--source', 'mysql://root:hunter2pw@127.0.0.1:3306/mysql']);
    assertOneLineError(my, /denied|password/i);
    assert.ok(!my.stderr.includes('hunter2pw'));
  });

  test('malformed config names the key and the allowed values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-cfg-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'format: avro\nsources:\n  - url: postgres://x/y\n');
    assertOneLineError(await runCli(['run', '--config', bad]), /"format" must be one of "native", "debezium"/);
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, 'kafka:\n  brokers: [127.0.0.1:9092]\n  on_oversize: drop\nsources: [{ url: "postgres://x/y" }]\n');
    assertOneLineError(await runCli(['run', '--config', typo]), /"kafka.on_oversize" must be one of "stop", "dead-letter"/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'sources: [\n');
    assertOneLineError(await runCli(['run', '--config', broken]), /not valid YAML/);
    assertOneLineError(await runCli(['run', '--config', join(dir, 'missing.yaml')]), /cannot read config file/);
    assertOneLineError(await runCli(['run', '--source', 'postgres://x/y', '--batch-size', 'many']), /--batch-size must be a whole number/);
    // Debezium's options: only with --format debezium, only Debezium's values.
    assertOneLineError(await runCli(['run', '--source', 'postgres://x/y', '--decimal-handling-mode', 'string']), /"debezium": applies only with format "debezium"/);
    assertOneLineError(await runCli(['run', '--source', 'postgres://x/y', '--debezium-schemas']), /"debezium": applies only with format "debezium"/);
    // commander's own choice error (its second line is the usual "(run with --help for usage)").
    const choice = await runCli(['run', '--source', 'postgres://x/y', '--format', 'debezium', '--time-precision-mode', 'nanos']);
    assert.notEqual(choice.code, 0);
    assert.match(choice.stderr.split('\n')[0]!, /--time-precision-mode.*Allowed choices are adaptive, adaptive_time_microseconds, connect/);
  });

  test('every command has --help, and cdc --help lists them all with their descriptions', async () => {
    const listing = await runCli(['--help']);
    assert.equal(listing.code, 0, listing.stderr);
    for (const [cmd, { description }] of Object.entries(COMMANDS)) {
      assert.match(listing.stdout, new RegExp(`^  ${cmd} `, 'm'), cmd);
      const r = await runCli([cmd, '--help']);
      assert.equal(r.code, 0, cmd);
      assert.match(r.stdout, new RegExp(`^Usage: cdc ${cmd} \\[options\\]`, 'm'));
      // Commander wraps long descriptions; compare the words.
      assert.ok(r.stdout.replace(/\s+/g, ' ').includes(description.replace(/\s+/g, ' ')), `${cmd}: its description in its own --help`);
      assert.ok(/^Options:$/m.test(r.stdout) && r.stdout.includes('--help'), cmd);
    }
    const unknown = await runCli(['instal-triggers']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'instal-triggers'/);
  });
});

for (const dialect of DIALECTS) {
  describe(`bad input against a real database (${dialect.name})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await dialect.create();
      const text = db.dialect === 'postgres' ? 'text' : 'longtext';
      await db.exec(`CREATE TABLE docs (id int PRIMARY KEY, body ${text})`);
      await db.exec(`CREATE TABLE nokey (a int, b int)`);
    });
    after(async () => db?.drop());

    test('unknown table, bad key column, keyless table: one line, database unchanged', async () => {
      const objects = await db.objects();
      assertOneLineError(await runCli(['install-triggers', '--source', db.url, '--table', 'no_such_table']), /no_such_table/);
      assertOneLineError(await runCli(['install-triggers', '--source', db.url, '--table', 'nokey']), /--key-columns/);
      assertOneLineError(
        await runCli(['install-triggers', '--source', db.url, '--table', 'nokey', '--key-columns', 'zzz']),
        /zzz/,
      );
      assertOneLineError(await runCli(['install-triggers', '--source', db.url, '--table', 'docs,no_such_table']), /no_such_table/);
      assert.deepEqual(await db.objects(), objects, 'nothing was created or changed');
    });

    test('register and unregister are for MongoDB: refused on a relational database, nothing changed', async () => {
      const objects = await db.objects();
      assertOneLineError(await runCli(['register', '--source', db.url, '--table', 'docs']), /cdc register is for MongoDB collections; .* cdc install-triggers/);
      assertOneLineError(await runCli(['unregister', '--source', db.url, '--table', 'docs']), /cdc unregister is for MongoDB collections; .* cdc uninstall-triggers/);
      assert.deepEqual(await db.objects(), objects, 'nothing was created or changed');
    });

    test('run on a table that is not installed is refused', async () => {
      assertOneLineError(
        await runCli(['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--table', 'nokey', '--connect-timeout', '5']),
        /not set up for capture/,
      );
    });

    test('unreachable broker: a clear error after the connect timeout', async () => {
      const inst = await runCli(['install-triggers', '--source', db.url, '--table', 'docs']);
      assert.equal(inst.code, 0, inst.stderr);
      const r = await runCli(['run', '--source', db.url, '--kafka', '127.0.0.1:1', '--connect-timeout', '2']);
      assertOneLineError(r, /Kafka/);
    });

    test('status of a database never set up for capture only reads it', async () => {
      const fresh = await dialect.create();
      try {
        const objects = await fresh.objects();
        const r = await runCli(['status', '--source', fresh.url]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'no table is set up for capture\n');
        assert.deepEqual(await fresh.objects(), objects, 'status created nothing');
      } finally {
        await fresh.drop();
      }
    });

    test('a row larger than the topic accepts stops with table and key, or goes to the dead-letter topic', async () => {
      const sid = uniqueId('big');
      await db.exec(`INSERT INTO docs (id, body) VALUES (1, 'small')`);
      await db.exec(`INSERT INTO docs (id, body) VALUES (2, ${db.p(1)})`, ['x'.repeat(1_200_000)]);
      await db.exec(`INSERT INTO docs (id, body) VALUES (3, 'after')`);
      const args = ['run', '--source', db.url, '--kafka', KAFKA_BROKERS.join(','), '--source-id', sid, '--table', 'docs'];
      const stopped = await runCli(args, {}, 60_000);
      assert.notEqual(stopped.code, 0);
      assert.match(stopped.stderr, /docs.*key \{"id":2\}.*over the \d+-byte limit/);
      const status = JSON.parse((await runCli(['status', '--source', db.url, '--json'])).stdout);
      // Row 1 reached Kafka but its batch was never acknowledged, so all three rows stay in the log.
      assert.equal(status.find((s: any) => s.table === db.qualified('docs')).backlog, 3, 'nothing of the failed batch is dropped');

      await withCdcRun([...args, '--on-oversize', 'dead-letter'], async () => {
        const topic = `cdc.${sid}.${db.qualified('docs')}`;
        // Generous: on a loaded machine `cdc run` alone took ~30 s to start capturing.
        const msgs = await consumeAll([topic, `${topic}.dlq`], { until: (m) => m.length >= 4, timeoutMs: 120_000 });
        const main = msgs.filter((m) => m.topic === topic).map((m) => m.value.primary_key.id);
        assert.deepEqual(main, [1, 1, 3], 'row 1 (delivered before the stop, redelivered now) and row 3; row 2 is not in the main topic');
        const dlq = msgs.filter((m) => m.topic === `${topic}.dlq`);
        assert.equal(dlq.length, 1);
        assert.deepEqual(dlq[0]!.value.primary_key, { id: 2 });
        assert.equal(dlq[0]!.value.error, 'message_too_large');
      });
    });
  });
}
