#!/usr/bin/env node
// The compiled CLI (dist/, built by `npm install`/`npm ci` through the `prepare` script, and by
// `npm test` before every run).

// Signals are handled in src/cli/signals.ts. Until it has loaded, this bridge gives a SIGTERM/SIGINT
// what it gets there with no command in charge: nothing is in flight, exit 0. It is removed only
// once the permanent listeners are on, so Node's signal watcher never closes and no signal is lost.
const bridge = () => process.exit(0);
process.on('SIGTERM', bridge);
process.on('SIGINT', bridge);
let signals;
try {
  signals = await import('../dist/src/cli/signals.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  process.stderr.write('cdc: dist/ is missing: run `npm install` (or `npm run build`) in the cdc checkout first\n');
  process.exit(1);
}
signals.installSignalHandling();
process.off('SIGTERM', bridge);
process.off('SIGINT', bridge);
await import('../dist/src/cli/main.js');
