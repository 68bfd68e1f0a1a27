import type { CdcConfig } from '../config/schema.js';
import { validateConfig } from '../config/load.js';
import type { SourceOptions } from './schemas.js';

/** A registered source as capture needs it: the connection string decrypted, tables in order. */
export interface SourceSpec {
  id: string;
  dbType: string;
  url: string;
  tables: { name: string; mode: 'trigger' | 'log' }[];
  options: SourceOptions;
}

export interface CaptureSettings {
  brokers: string[];
  /** Serve's own log level; the capture of every source logs through the same logger. */
  logLevel: CdcConfig['log_level'];
}

/**
 * The `cdc run` configuration of one registered source, so capture is exactly `cdc run`'s (wire()
 * and CaptureService): the per-table options map onto the config file's table entries.
 */
export function captureConfig(source: SourceSpec, settings: CaptureSettings): CdcConfig {
  const { format, schedule, batch_size, tables: perTable } = source.options;
  const tables = source.tables.map(({ name }) => {
    const { mode, ...rest } = perTable[name] ?? {};
    void mode; // applied by prepareTables, not a config-file key
    return Object.keys(rest).length === 0 ? name : { name, ...rest };
  });
  return validateConfig(
    {
      sink: 'kafka',
      format,
      kafka: { brokers: settings.brokers },
      defaults: { ...(schedule ? { schedule } : {}), ...(batch_size ? { batch_size } : {}) },
      sources: [{ url: source.url, id: source.id, tables }],
      log_level: settings.logLevel,
    },
    `source ${source.id}`,
  );
}
