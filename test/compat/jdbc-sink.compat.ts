import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { ensureDebeziumDist, newestJavaHome } from '../../bench/lib/debezium.js';
import { KAFKA_BROKERS } from '../helpers/kafka.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { captureWithCdc, goldenDatabase, sql } from './golden.js';

const HARNESS = fileURLToPath(new URL('./jdbc-sink/ApplyWithJdbcSink.java', import.meta.url));

/**
 * A real third-party consumer end to end: cdc captures the golden PostgreSQL changes with
 * `--format debezium --debezium-schemas`, and Debezium's JDBC sink connector (from the Debezium
 * Server distribution on Maven Central), fed through Kafka's own JsonConverter, applies the topic
 * to a second database holding the same table. The target must then equal the source, row for
 * row and column for column, after inserts, updates and deletes.
 */
describe('Debezium JDBC sink applies cdc --format debezium (PostgreSQL → PostgreSQL)', () => {
  const dbs: TestDatabase[] = [];
  after(async () => Promise.all(dbs.map((d) => d.drop())));

  test('the target table equals the source table', { timeout: 300_000 }, async () => {
    const { db: source, client } = await goldenDatabase();
    dbs.push(source);
    // The JDBC sink cannot bind time 24:00:00 (Debezium's own MicroTime 86400000000 fails the same
    // way: java.time.LocalTime ends at 23:59:59.999999999), so this run uses the last microsecond before.
    await client.query(sql('pg-changes.sql').replace("'24:00:00'", "'23:59:59.999999'"));
    const captured = await captureWithCdc({ db: source, mode: 'trigger', schemas: true, flags: [], count: 9, changes: null });
    const target = await createTestDatabase();
    dbs.push(target);
    const t = await target.client();
    // The JDBC sink binds strings as varchar, which PostgreSQL will not assign to an inet or enum
    // column (Debezium's own records, which carry the same plain strings, fail the same way): the
    // target declares those two as text. row_to_json prints them identically.
    await t.query(sql('pg-types.sql').replace('c_inet inet', 'c_inet text').replace('c_enum mood', 'c_enum text'));

    const home = ensureDebeziumDist(() => undefined);
    const java = newestJavaHome().home;
    const cp = join(home, 'lib', '*');
    const out = mkdtempSync(join(tmpdir(), 'cdc-jdbc-sink-'));
    const javac = spawnSync(join(java, 'bin', 'javac'), ['-cp', cp, '-d', out, HARNESS], { encoding: 'utf8' });
    assert.equal(javac.status, 0, javac.stderr);
    const url = new URL(target.url);
    const jdbc = `jdbc:postgresql://${url.hostname}:${url.port || 5432}/${target.name}`;
    const topic = `${captured.prefix}.public.dbz_types`;
    const run = spawnSync(join(java, 'bin', 'java'), ['-cp', `${out}:${cp}`, 'ApplyWithJdbcSink', KAFKA_BROKERS.join(','), topic, '9', jdbc, 'postgres', 'dbz_types'], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(run.status, 0, `${run.stdout.slice(-2000)}\n${run.stderr.replace(/^(?!Caused by|Exception|\S+Exception|\tat io\.debezium).*$/gm, '').replace(/\n+/g, '\n').slice(-4000)}`);
    assert.ok(readdirSync(out).length > 0);
    rmSync(out, { recursive: true, force: true });

    // Compared as JSON rows, except where Debezium's own encoding (the one cdc reproduces) cannot
    // carry the value and the sink writes what it was given:
    //  - timetz: ZonedTime is normalised to UTC, so the offset is gone; compared as UTC times;
    //  - interval: MicroDuration counts a month as 30.4375 days, so the sink writes hours; compared
    //    as Debezium's microseconds;
    //  - ±Infinity/NaN floats: JsonConverter reads the quoted "Infinity" of a float field as 0, so
    //    the target holds 0 (Debezium's own records quote them identically, golden-tested).
    const rows = async (c: { query: (q: string) => Promise<{ rows: { r: string }[] }> }, isSource: boolean) =>
      (
        await c.query(`
          SELECT (to_jsonb(t) - 'c_timetz' - 'c_interval' - 'c_real' - 'c_double'
                  || jsonb_build_object(
                       'c_timetz_utc', (c_timetz AT TIME ZONE 'UTC')::text,
                       'c_interval_seconds', ${
                         isSource
                           ? `(extract(year FROM c_interval) * 12 + extract(month FROM c_interval)) * 2629800 + extract(day FROM c_interval) * 86400
                              + extract(hour FROM c_interval) * 3600 + extract(minute FROM c_interval) * 60 + extract(second FROM c_interval)`
                           : 'extract(epoch FROM c_interval)'
                       },
                       'c_real', CASE WHEN c_real::text IN ('Infinity', '-Infinity', 'NaN') THEN '0' ELSE c_real::text END,
                       'c_double', CASE WHEN c_double::text IN ('Infinity', '-Infinity', 'NaN') THEN '0' ELSE c_double::text END))::text AS r
            FROM public.dbz_types t ORDER BY id`)
      ).rows.map((x) => JSON.parse(x.r));
    const expected = await rows(client, true);
    const got = await rows(t, false);
    assert.equal(got.length, expected.length, run.stdout.slice(-3000));
    assert.deepEqual(got, expected);
  });
});
