import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMongoTestDatabase, type MongoTestDatabase } from '../helpers/mongodb.js';
import { KAFKA_BROKERS } from '../helpers/kafka.js';
import { runCli, type CliResult } from '../helpers/cli.js';

/** One clear line on stderr and a non-zero exit; callers check that nothing changed. */
function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `expected failure; stdout: ${r.stdout}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

describe('mongodb: bad input gets one line and changes nothing', () => {
  let m: MongoTestDatabase;
  before(async () => {
    m = await createMongoTestDatabase();
    await m.db.createCollection('users');
  });
  after(async () => m?.drop());

  test('unknown collection, alone or next to a good one', async () => {
    const objects = await m.objects();
    assertOneLineError(await runCli(['register', '--source', m.url, '--table', 'no_such_coll']), /no_such_coll does not exist/);
    assertOneLineError(await runCli(['register', '--source', m.url, '--table', 'users,no_such_coll']), /no_such_coll does not exist/);
    assertOneLineError(await runCli(['register', '--source', m.url, '--table', 'otherdb_that_is_not_there.users']), /does not exist/);
    assert.deepEqual(await m.objects(), objects, 'nothing registered, no cdc collection created');
  });

  test('key columns other than _id, and cdc\'s own collections, are refused', async () => {
    const objects = await m.objects();
    assertOneLineError(await runCli(['register', '--source', m.url, '--table', 'users', '--key-columns', 'email']), /keyed by _id/);
    await m.db.createCollection('cdc_captured');
    const withState = await m.objects();
    assertOneLineError(await runCli(['register', '--source', m.url, '--table', 'cdc_captured']), /cannot be captured/);
    assert.deepEqual(await m.objects(), withState);
    await m.db.dropCollection('cdc_captured');
    assert.deepEqual(await m.objects(), objects);
  });

  test('unreachable server: the host in the message, never the password', async () => {
    const url = 'mongodb://cdc:s3cretpw@127.0.0.1:1/shop?serverSelectionTimeoutMS=1000';
    for (const args of [['install-triggers', '--table', 'users'], ['status']]) {
      const r = await runCli([...args, '--source', url]);
      assertOneLineError(r, /cannot connect to MongoDB at 127\.0\.0\.1:1/);
      assert.ok(!r.stderr.includes('s3cretpw') && !r.stdout.includes('s3cretpw'), r.stderr);
    }
    const run = await runCli(['run', '--source', url, '--kafka', KAFKA_BROKERS.join(','), '--connect-timeout', '1']);
    assertOneLineError(run, /127\.0\.0\.1:1.*gave up/);
    assert.ok(!run.stderr.includes('s3cretpw'));
  });

  test('malformed URLs', async () => {
    const cases: Array<[string, RegExp]> = [
      ['mongodb://127.0.0.1:27017', /name the database to capture/],
      ['mongodb://127.0.0.1:27017/', /name the database to capture/],
      ['mongodb://127.0.0.1:27017/bad.name', /not a valid database name/],
      ['mongodb://127.0.0.1:notaport/shop', /invalid MongoDB URL/],
      ['mongodb+srv://cluster.example.com:27017/shop', /invalid MongoDB URL/],
      ['mongodb://u:pw@127.0.0.1:27017/shop?noSuchOption=1&w=banana', /invalid MongoDB URL|banana/],
    ];
    for (const [url, pattern] of cases) {
      const r = await runCli(['install-triggers', '--source', url, '--table', 'users']);
      assertOneLineError(r, pattern);
      assert.ok(!r.stderr.includes(':pw@'), r.stderr);
    }
  });

  test('run for a collection that is not registered', async () => {
    const objects = await m.objects();
    const r = await runCli(['run', '--source', m.url, '--kafka', KAFKA_BROKERS.join(','), '--table', 'users']);
    assertOneLineError(r, /not set up for capture/);
    assert.deepEqual(await m.objects(), objects);
  });
});
