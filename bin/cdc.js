#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx cdc` works from a checkout without a build step.
import { register } from 'tsx/esm/api';

// Loading the TypeScript sources takes a moment; a SIGTERM/SIGINT that arrives before a command has
// installed its own handlers finds nothing in flight, so it ends the process cleanly (exit 0).
// `cdc run` replaces these handlers with its graceful shutdown.
const exitCleanly = () => process.exit(0);
process.on('SIGTERM', exitCleanly);
process.on('SIGINT', exitCleanly);

register();
await import('../src/cli/main.ts');
