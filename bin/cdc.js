#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx cdc` works from a checkout without a build step.
import { register } from 'tsx/esm/api';

// Signals are handled in src/cli/signals.ts. Until it has loaded, this bridge gives a SIGTERM/SIGINT
// what it gets there with no command in charge: nothing is in flight, exit 0. It is removed only
// once the permanent listeners are on, so Node's signal watcher never closes and no signal is lost.
const bridge = () => process.exit(0);
process.on('SIGTERM', bridge);
process.on('SIGINT', bridge);
register();
const { installSignalHandling } = await import('../src/cli/signals.ts');
installSignalHandling();
process.off('SIGTERM', bridge);
process.off('SIGINT', bridge);
await import('../src/cli/main.ts');
