import type { Redis } from 'ioredis';
import type { Logger } from '../../src/core/logger.js';
import { POLL_DEFAULTS } from './config.js';

// First signature → version 1; a different one → version + 1; the same one → unchanged.
const RECORD = `
local s = redis.call('HGET', KEYS[1], 'signature')
if s == ARGV[1] then return tonumber(redis.call('HGET', KEYS[1], 'version')) end
redis.call('HSET', KEYS[1], 'signature', ARGV[1])
if not s then redis.call('HSET', KEYS[1], 'version', 1) return 1 end
return redis.call('HINCRBY', KEYS[1], 'version', 1)`;

/**
 * The table's schema_version in poll mode: bumps when the column list changes. The columns are
 * re-read at most every few seconds (an ALTER TABLE shows up within that time; a catalog query per
 * 50 ms poll would cost more than the poll itself).
 */
export class SchemaVersions {
  version = 1;
  private signature: string | null = null;
  private checkedAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly refresh: () => Promise<string>,
    private readonly logger: Logger,
  ) {}

  async check(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.checkedAt < POLL_DEFAULTS.columnsRefreshMs) return;
    this.checkedAt = now;
    const signature = await this.refresh();
    if (signature === this.signature) return;
    const version = Number(await this.redis.eval(RECORD, 1, this.key, signature));
    if (this.signature !== null && version !== this.version) this.logger.info({ schemaVersion: version }, 'table columns changed; new schema version');
    this.signature = signature;
    this.version = version;
  }
}
