import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile, validateConfig } from '../../src/config/load.js';
import { canonicalDate, canonicalTimestamp, canonicalTimestamptz, eventTimestamp } from '../../adapters/postgres/types/canonical.js';

/** Issue 11 item 9: far dates, a recursive YAML alias, and `batch_size: 1e300`. */
test('PostgreSQL timestamps after year 9999 are extended ISO-8601 (+YYYYYY), readable by Date.parse', () => {
  assert.equal(canonicalTimestamptz('10000-01-01 00:00:00+00'), '+010000-01-01T00:00:00Z');
  assert.equal(canonicalTimestamptz('9999-12-31 23:00:00-05'), '+010000-01-01T04:00:00Z');
  assert.equal(canonicalTimestamp('294276-12-31 23:59:59.999999'), '+294276-12-31T23:59:59.999999');
  assert.equal(canonicalDate('10000-01-01'), '+010000-01-01');
  assert.equal(eventTimestamp('12345-06-07 08:09:10.5+00'), '+012345-06-07T08:09:10.500000Z');
  assert.equal(Date.parse(eventTimestamp('12345-06-07 08:09:10.5+00')), Date.parse('+012345-06-07T08:09:10.500Z'));
  // Unchanged: four-digit years and BC years.
  assert.equal(canonicalTimestamptz('9999-12-31 23:59:59+00'), '9999-12-31T23:59:59Z');
  assert.equal(canonicalDate('0044-03-15 BC'), '-0043-03-15');
});

test('a recursive YAML alias is a config error naming the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-config-'));
  const file = join(dir, 'cdc.yaml');
  writeFileSync(file, 'a: &a [*a]\nsources:\n  - url: postgres://x\n');
  assert.throws(() => readConfigFile(file), (e: Error) => e.name === 'ConfigError' && /key "a.0" contains itself \(a recursive YAML alias\)/.test(e.message));
  // Shared, non-recursive aliases are fine.
  writeFileSync(file, 'x: &x {batch_size: 5}\ndefaults: *x\nother: *x\n');
  assert.deepEqual((readConfigFile(file) as { defaults: unknown }).defaults, { batch_size: 5 });
});

test('a number far out of range names the key\'s own limit', () => {
  assert.throws(() => validateConfig({ defaults: { batch_size: 1e300 } }), /key "defaults.batch_size": Too big: expected number to be <=100000$/);
  assert.throws(() => validateConfig({ kafka: { partitions: 1e300 } }), /key "kafka.partitions": Too big: expected number to be <=2147483647$/);
  assert.throws(() => validateConfig({ defaults: { batch_size: 1.5 } }), /key "defaults.batch_size"/);
});
