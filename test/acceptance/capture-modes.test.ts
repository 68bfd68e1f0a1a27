import { describe } from 'node:test';
import { CAPTURE_MODES } from './modes.js';
import { acceptanceSuite } from './suite.js';

/**
 * One body, seven capture modes (kysely's DIALECTS loop). Two modes at a time: each spends most
 * of its time waiting on cdc's start-up and on Kafka, and seven at once starve the two-core
 * machine the suite is measured on. CDC_TEST_MODES=wal,binlog (names or parts of names) runs some.
 */
const only = process.env.CDC_TEST_MODES?.split(',').filter(Boolean);
const modes = only ? CAPTURE_MODES.filter((m) => only.some((o) => m.name.includes(o))) : CAPTURE_MODES;

describe('every capture mode passes the acceptance suite', { concurrency: 2 }, () => {
  for (const mode of modes) acceptanceSuite(mode);
});
