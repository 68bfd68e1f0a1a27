import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { assertValidEvent } from '../helpers/event-schema.js';

/** The README's first command: `cdc run` with no server at all prints events from PGlite. */
test('cdc run without a source runs the embedded demo and prints events as JSON lines', async () => {
  const r = await runCli(['run'], { CDC_DEMO_CHANGES: '6', CDC_DEMO_INTERVAL_MS: '100', CDC_SOURCE_URL: '', CDC_CONFIG: '' }, 120_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /cdc demo: embedded PostgreSQL/);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(events.length >= 4, `expected the demo's changes, got ${events.length}`);
  for (const e of events) {
    assertValidEvent(e);
    assert.equal(e.table_name, 'public.users');
    assert.equal(e.source_db, 'demo');
  }
  assert.deepEqual([...new Set(events.map((e) => e.operation))].sort(), ['DELETE', 'INSERT', 'UPDATE']);
});
