import { ConfigError } from '../../../src/core/errors.js';

/** Tunables of WAL capture. Defaults suit production; tests shorten the heartbeat. */
export interface WalConfig {
  /**
   * How often the source writes a heartbeat message into the WAL. Without it a table that sees
   * no changes (or whose changes are all filtered) never gets a position to confirm, and the slot
   * holds back every WAL segment written since (Debezium's heartbeat.interval.ms, for the same
   * reason). One ~60-byte WAL record per interval.
   */
  heartbeatMs: number;
  /**
   * Standby status updates to the server, also while the stream is paused for backpressure:
   * the walsender drops a client it has not heard from for wal_sender_timeout (default 60 s).
   */
  statusIntervalMs: number;
  /** Decoded changes held in memory before the stream is paused (memory stays flat on a backlog). */
  maxBufferedChanges: number;
}

export const WAL_DEFAULTS: WalConfig = { heartbeatMs: 10_000, statusIntervalMs: 10_000, maxBufferedChanges: 20_000 };

/** Environment overrides, validated once: `CDC_PG_WAL_HEARTBEAT_MS`. */
export function walConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WalConfig {
  const raw = env.CDC_PG_WAL_HEARTBEAT_MS;
  if (raw === undefined || raw === '') return WAL_DEFAULTS;
  if (!/^\d+$/.test(raw) || Number(raw) < 100) {
    throw new ConfigError(`environment variable CDC_PG_WAL_HEARTBEAT_MS must be a whole number of milliseconds >= 100, got ${JSON.stringify(raw)}`);
  }
  return { ...WAL_DEFAULTS, heartbeatMs: Number(raw) };
}
