import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule, scheduleProblem } from '../../src/config/schedule.js';
import { validateConfig } from '../../src/config/load.js';
import { MAX_TIMER_MS, safeTimeout } from '../../src/core/timers.js';
import { sleep } from '../../src/pipeline/backoff.js';
import { parseDuration } from '../../adapters/poll/config.js';

/**
 * Issue 11 item 7: an interval over ~24.8 days overflowed setTimeout and became a 1 ms busy poll;
 * a cron step beyond its field (every 61 seconds) was accepted and meant something else.
 */
test('schedule intervals beyond the timer limit are refused with the limit named', () => {
  assert.deepEqual(parseSchedule('35791m'), { kind: 'interval', ms: 35791 * 60_000 }); // 24.85 days, under the limit
  for (const text of ['35792m', '40000m', '99999999999s']) {
    assert.equal(parseSchedule(text), null, text);
    assert.match(scheduleProblem(text)!, /at most 24\.8 days \(2147483647 ms\)/, text);
  }
  assert.throws(() => validateConfig({ defaults: { schedule: '40000m' } }), /key "defaults.schedule": a schedule interval must be at most 24\.8 days/);
  assert.throws(() => validateConfig({ shutdown_timeout_ms: MAX_TIMER_MS + 1 }), /shutdown_timeout_ms/);
  assert.throws(() => parseDuration('--reconcile-every', '600h'), /--reconcile-every must be at most 24\.8 days/);
  assert.equal(parseDuration('--reconcile-every', '596h'), 596 * 3_600_000);
});

test('cron steps must fit their field', () => {
  for (const bad of ['*/61 * * * * *', '0 */61 * * * *', '0 0 */25 * * *', '0 0 0 */32 * *', '0 0 0 * */13 *', '0 0 0 * * */8', '*/61 * * * *', '0-59/61 * * * * *', '1,*/99 * * * * *']) {
    assert.equal(parseSchedule(bad), null, bad);
    assert.match(scheduleProblem(bad)!, /step \/\d+ must be a whole number from 1 to \d+/, bad);
  }
  for (const good of ['*/60 * * * * *', '*/5 * * * * *', '0 */24 * * *', '0 0 1 */12 *', '0 0 * * */7', '*/15 * * * *']) {
    assert.deepEqual(parseSchedule(good), { kind: 'cron', expression: good }, good);
  }
  assert.throws(() => validateConfig({ defaults: { schedule: '*/61 * * * * *' } }), /key "defaults.schedule": cron expression "\*\/61 \* \* \* \* \*": the second step \/61/);
});

test('timer helpers wait correctly past the 32-bit limit instead of firing at once', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let fired = false;
  safeTimeout(() => (fired = true), MAX_TIMER_MS * 2 + 5);
  t.mock.timers.tick(MAX_TIMER_MS);
  t.mock.timers.tick(MAX_TIMER_MS);
  assert.equal(fired, false, 'still waiting after 2 × the limit');
  t.mock.timers.tick(5);
  assert.equal(fired, true);

  let slept = false;
  void sleep(30 * 86_400_000).then(() => (slept = true));
  t.mock.timers.tick(1000);
  await Promise.resolve();
  assert.equal(slept, false, 'a 30-day sleep does not end after 1 ms');
  // One tick per timer step: the mock runs only timers due when a tick starts.
  t.mock.timers.tick(MAX_TIMER_MS);
  t.mock.timers.tick(30 * 86_400_000 - MAX_TIMER_MS);
  await new Promise((r) => setImmediate(r));
  assert.equal(slept, true);
});
