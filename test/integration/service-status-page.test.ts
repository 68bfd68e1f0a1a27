import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createPostgresDatabase, type TestDatabase } from '../helpers/dialects.js';
import { createToken, startServe, tempRegistry } from '../helpers/serve.js';
import { uniqueId } from '../helpers/kafka.js';
import { sleep } from '../helpers/postgres.js';

/**
 * cdc serve's status page in a real headless Chromium (Debian's, installed by
 * scripts/services/chromium.sh), against a real `cdc serve` capturing a real PostgreSQL source
 * with writes flowing: the token is entered once, the source, its table, mode, backlog and lag
 * appear, the throughput chart draws and moves, a wrong token is refused with a clear message,
 * and the connection string's password never reaches the page.
 *
 * CDC_UPDATE_DOCS=1 writes the screenshot to docs/status-page.png (the one docs/service.md shows);
 * otherwise it goes to a temporary directory, so a test run leaves the repository unchanged.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PASSWORD = 'page-test-secret-pw';

describe('cdc serve status page', () => {
  let src: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let browser: Browser;
  let adminToken: string;
  let readToken: string;
  let writing = true;
  let writer: Promise<void> = Promise.resolve();
  const sid = uniqueId('svcpage');
  // What the browser reported against the page: script errors, CSP refusals, failed loads.
  const problems: string[] = [];

  before(async () => {
    src = await createPostgresDatabase();
    await src.exec('CREATE TABLE items (id int PRIMARY KEY, name text)');
    const registry = tempRegistry();
    adminToken = await createToken(registry, 'admin');
    readToken = await createToken(registry, 'read');
    serve = await startServe(registry);
    // The test PostgreSQL trusts every local login, so any password is accepted: this one is only
    // here to prove the page never shows it.
    const url = new URL(src.url);
    url.password = PASSWORD;
    const created = await serve.api('POST', '/api/v1/sources', {
      token: adminToken,
      body: { db_type: 'postgresql', connection_string: url.toString(), tables: ['items'], source_id: sid, options: { schedule: '50ms' } },
    });
    assert.equal(created.status, 201, created.text);
    const started = await serve.api('POST', `/api/v1/sources/${sid}/start`, { token: adminToken });
    assert.equal(started.status, 200, started.text);
    // Writes keep flowing while the page is open, so the rate it charts is not zero.
    writer = (async () => {
      for (let i = 1; writing; i += 20) {
        await src.exec(`INSERT INTO items SELECT g, 'n' || g FROM generate_series(${i}, ${i + 19}) g`);
        await sleep(250);
      }
    })();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    writing = false;
    await writer;
    await browser?.close();
    const code = await serve?.stop();
    await src?.drop();
    assert.equal(code, 0, serve?.proc.stderr);
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    // A script error or a CSP refusal (e.g. of an inline style) fails the test at the end.
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
    return page;
  }

  test('the page and its files are served without a token, under a CSP of self only', async () => {
    const files: [string, string][] = [
      ['/', 'text/html'],
      ['/status-page/page.js', 'text/javascript'],
      ['/status-page/page.css', 'text/css'],
      ['/status-page/uplot.js', 'text/javascript'],
      ['/status-page/uplot.css', 'text/css'],
    ];
    for (const [path, type] of files) {
      const res = await fetch(`${serve.base}${path}`);
      assert.equal(res.status, 200, path);
      assert.ok(res.headers.get('content-type')?.startsWith(type), `${path}: ${res.headers.get('content-type')}`);
      assert.equal(
        res.headers.get('content-security-policy'),
        "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
        path,
      );
      assert.ok((await res.text()).length > 100, path);
    }
    // The data itself still needs a token.
    assert.equal((await serve.api('GET', '/api/v1/sources')).status, 401);
  });

  test('a wrong token is refused with a clear message and shows no data', async () => {
    const page = await openPage();
    await page.goto(`${serve.base}/`);
    await page.fill('#token', 'cdc_nosuch_token');
    await page.click('#login button[type=submit]');
    const error = page.locator('#error');
    await error.waitFor({ state: 'visible' });
    assert.match(
      await error.innerText(),
      /^The token was refused \(401\): authorization: unknown or invalid token\. Enter a valid token\.$/,
    );
    assert.equal(await page.locator('#status').isVisible(), false);
    assert.equal(await page.locator('#login').isVisible(), true, 'the form asks again');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('cdc-status-token')), null, 'a refused token is not kept');
    await page.close();
    // Chromium reports the refused request itself on the console; nothing else may appear.
    const other = problems.splice(0).filter((p) => !/Failed to load resource: the server responded with a status of 401/.test(p));
    assert.deepEqual(other, []);
  });

  test('with a read token: source, table, mode, backlog and lag shown; the chart draws and moves', async () => {
    const page = await openPage();
    await page.goto(`${serve.base}/`);
    await page.fill('#token', readToken);
    await page.click('#login button[type=submit]');

    const source = page.locator(`[data-source="${sid}"]`);
    await source.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await source.locator('h3').innerText(), sid);
    assert.equal(await source.locator('[data-field=status]').innerText(), 'STARTED');
    const row = source.locator('tr[data-table="public.items"]');
    assert.equal(await row.locator('[data-field=mode]').innerText(), 'trigger');
    assert.match(await row.locator('[data-field=backlog]').innerText(), /^\d+$/);
    assert.match(await row.locator('[data-field=lag]').innerText(), /^\d+\.\d s$/);
    assert.match(await source.locator('dd [data-field=lag]').innerText(), /^\d+\.\d s$/);
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes(PASSWORD), 'the password never reaches the page');
    assert.match(text, /postgres:\*\*\*@/, 'the connection string is shown redacted');

    // The chart is a uPlot canvas with this source's series; it redraws as samples arrive, and
    // the writes make the rate it shows positive.
    const canvas = page.locator('#chart canvas');
    await canvas.waitFor({ state: 'visible' });
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, JSON.stringify(box));
    assert.equal(await page.locator('#chart .u-legend .u-series:nth-child(2) .u-label').innerText(), sid);
    const samples = async () => Number(await page.locator('#chart').getAttribute('data-samples'));
    const pixels = () => canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const first = { samples: await samples(), pixels: await pixels() };
    await page.waitForFunction((n) => Number(document.getElementById('chart')?.dataset.samples) >= n + 3, first.samples, {
      timeout: 30_000,
    });
    assert.notEqual(await pixels(), first.pixels, 'the chart was redrawn with new samples');
    await page.waitForFunction((id) => Number(document.querySelector(`[data-source="${id}"] [data-field=rate]`)?.textContent) > 0, sid, {
      timeout: 30_000,
    });

    // Entered once: a reload shows the status again without asking.
    await page.reload();
    await source.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await page.locator('#login').isVisible(), false);
    // Let a few samples in again for a picture with a curve.
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.samples) >= 6, undefined, { timeout: 30_000 });
    const shot =
      process.env.CDC_UPDATE_DOCS === '1' ? 'docs/status-page.png' : join(mkdtempSync(join(tmpdir(), 'cdc-page-')), 'status-page.png');
    const png = await page.screenshot({ path: shot, fullPage: true });
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG');

    // Forget token: back to the form, the stored token gone.
    await page.click('#forget');
    assert.equal(await page.locator('#login').isVisible(), true);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('cdc-status-token')), null);
    await page.close();
    assert.deepEqual(problems, []);
  });
});
