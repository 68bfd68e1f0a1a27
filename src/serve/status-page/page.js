// cdc serve's status page: reads GET /api/v1/sources and each source's status every 2 s with the
// token entered once, and charts each source's changes_per_second over the last minutes. Plain
// browser JavaScript (not compiled); uPlot is loaded before it as the global `uPlot`.
'use strict';

const REFRESH_MS = 2000;
// Samples older than this leave the chart: "the last minutes" without growing for ever.
const HISTORY_SECONDS = 5 * 60;
// sessionStorage: the token lives as long as the tab, and is not left behind on the machine.
const TOKEN_KEY = 'cdc-status-token';
const COLORS = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b83280', '#2c7a7b'];

const $ = (id) => document.getElementById(id);
const samplesBySource = new Map(); // source_id -> [[unix seconds, changes per second], ...]
let chart = null;
let chartSeries = '';
let timer = null;

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}

function askForToken(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(timer);
  $('status').hidden = true;
  $('forget').hidden = true;
  $('login').hidden = false;
  if (message) showError(message);
  else $('error').hidden = true;
  $('token').focus();
}

class Refused extends Error {}

async function api(path, token) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.json().catch(() => null);
  if (res.status === 401 || res.status === 403)
    throw new Refused(`The token was refused (${res.status}): ${body?.error ?? res.statusText}. Enter a valid token.`);
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${body?.error ?? res.statusText}`);
  return body;
}

function element(tag, attributes = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  // textContent only: names and errors from the API are shown as text, never parsed as HTML.
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

const seconds = (s) => (s === null || s === undefined ? '–' : `${Number(s).toFixed(1)} s`);

function renderSource(source, status) {
  const facts = element('dl');
  const fact = (name, value) => facts.append(element('div', {}, element('dt', {}, name), element('dd', {}, value)));
  fact('status', element('span', { class: `state state-${source.status}`, 'data-field': 'status' }, source.status));
  fact('database', `${source.db_type} ${source.connection_string}`);
  if (status) {
    fact('lag', element('span', { 'data-field': 'lag' }, seconds(status.lag_seconds)));
    fact('changes/s', element('span', { 'data-field': 'rate' }, status.changes_per_second.toFixed(1)));
    fact('last captured', status.last_captured_timestamp ?? '–');
  }
  const rows = (status?.tables ?? source.tables.map((table) => ({ table }))).map((t) =>
    element(
      'tr',
      { 'data-table': t.table },
      element('td', {}, t.table),
      element('td', { 'data-field': 'mode' }, t.mode ?? '–'),
      element('td', { class: 'number', 'data-field': 'backlog' }, t.backlog === undefined ? '–' : String(t.backlog)),
      element('td', { class: 'number', 'data-field': 'lag' }, seconds(t.lag_seconds)),
      element('td', { class: 'checkpoint' }, t.checkpoint ?? '–'),
    ),
  );
  const head = element(
    'tr',
    {},
    ...['table', 'mode', 'backlog', 'lag', 'checkpoint'].map((h) =>
      element('th', h === 'backlog' || h === 'lag' ? { class: 'number' } : {}, h),
    ),
  );
  return element(
    'article',
    { class: 'source', 'data-source': source.source_id },
    element('h3', {}, source.source_id),
    facts,
    element('table', {}, element('thead', {}, head), element('tbody', {}, ...rows)),
  );
}

function record(sourceId, at, rate) {
  const samples = samplesBySource.get(sourceId) ?? [];
  samples.push([at, rate]);
  while (samples.length && samples[0][0] < at - HISTORY_SECONDS) samples.shift();
  samplesBySource.set(sourceId, samples);
}

// One time axis for all sources: every refresh samples each of them at the same instant.
function drawChart() {
  const ids = [...samplesBySource.keys()].sort();
  const times = [...new Set(ids.flatMap((id) => samplesBySource.get(id).map((s) => s[0])))].sort((a, b) => a - b);
  const data = [
    times,
    ...ids.map((id) => {
      const byTime = new Map(samplesBySource.get(id));
      return times.map((t) => byTime.get(t) ?? null);
    }),
  ];
  const container = $('chart');
  const width = Math.max(300, container.clientWidth);
  if (!chart || chartSeries !== ids.join('\n')) {
    chart?.destroy();
    chartSeries = ids.join('\n');
    chart = new uPlot(
      {
        width,
        height: 240,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Number.isFinite(max) ? Math.max(1, max * 1.1) : 1] } },
        series: [{}, ...ids.map((id, i) => ({ label: id, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false }))],
        axes: [{}, { label: 'changes/s' }],
      },
      data,
      container,
    );
  } else {
    if (chart.width !== width) chart.setSize({ width, height: 240 });
    chart.setData(data);
  }
  container.dataset.samples = String(times.length);
}

async function refresh() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return askForToken();
  try {
    const sources = await api('/api/v1/sources', token);
    const statuses = await Promise.all(
      sources.map((s) =>
        api(`/api/v1/sources/${encodeURIComponent(s.source_id)}/status`, token).catch((err) =>
          err instanceof Refused ? Promise.reject(err) : null,
        ),
      ),
    );
    // Forgotten or replaced while these requests ran: this answer is for a token no longer in use.
    if (sessionStorage.getItem(TOKEN_KEY) !== token) return;
    const at = Date.now() / 1000;
    for (const id of samplesBySource.keys()) if (!sources.some((s) => s.source_id === id)) samplesBySource.delete(id);
    sources.forEach((s, i) => record(s.source_id, at, statuses[i]?.changes_per_second ?? 0));
    $('sources').replaceChildren(...sources.map((s, i) => renderSource(s, statuses[i])));
    $('empty').hidden = sources.length > 0;
    $('login').hidden = true;
    $('forget').hidden = false;
    $('error').hidden = true;
    $('status').hidden = false;
    drawChart();
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (sessionStorage.getItem(TOKEN_KEY) !== token) return;
    if (err instanceof Refused) return askForToken(err.message);
    // cdc serve restarting or unreachable: say so and keep trying.
    showError(`Cannot read the status: ${err.message}`);
  }
  clearTimeout(timer);
  timer = setTimeout(refresh, REFRESH_MS);
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  void refresh();
});
$('forget').addEventListener('click', () => askForToken());

void refresh();
