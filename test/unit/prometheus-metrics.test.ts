import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusMetrics } from '../../src/observability/prometheus.js';

/** Lag, latency and per-operation counts from acknowledged batches; table state exclusive. */
async function value(m: PrometheusMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const values = (metric?.values ?? []) as { labels: Record<string, unknown>; value: number }[];
  return values.find((x) => Object.entries(labels).every(([k, want]) => String(x.labels[k]) === want))?.value;
}

test('an acknowledged batch counts its operations and sets lag from its oldest change', async () => {
  const m = new PrometheusMetrics();
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  m.acknowledged('t', [
    { operation: 'INSERT', timestamp: ago(30_000) },
    { operation: 'UPDATE', timestamp: ago(1_000) },
    { operation: 'INSERT', timestamp: ago(500) },
  ]);
  assert.equal(await value(m, 'cdc_changes_delivered_total', { table: 't', operation: 'INSERT' }), 2);
  assert.equal(await value(m, 'cdc_changes_delivered_total', { table: 't', operation: 'UPDATE' }), 1);
  const lag = (await value(m, 'cdc_lag_seconds', { table: 't' }))!;
  assert.ok(lag >= 30 && lag < 60, `lag ${lag}`);
  const text = await m.registry.metrics();
  assert.match(text, /cdc_commit_to_ack_seconds_count\{table="t"\} 3/);
  m.caughtUp('t');
  assert.equal(await value(m, 'cdc_lag_seconds', { table: 't' }), 0);
});

test('a table has one state at a time', async () => {
  const m = new PrometheusMetrics();
  m.tableState('s/t', 'running');
  m.tableState('s/t', 'failed');
  assert.equal(await value(m, 'cdc_table_state', { table: 's/t', state: 'failed' }), 1);
  assert.equal(await value(m, 'cdc_table_state', { table: 's/t', state: 'running' }), 0);
  assert.equal(await value(m, 'cdc_table_state', { table: 's/t', state: 'standby' }), 0);
});
