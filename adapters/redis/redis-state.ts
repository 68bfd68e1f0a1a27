import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { SequenceStore } from '../../src/core/sequence-store.js';
import { TransientError, UserInputError } from '../../src/core/errors.js';
import { redactUrl } from '../../src/logging.js';

/**
 * cdc's state kept outside the source database, for sources cdc may only read (polling): what is
 * registered, checkpoints, sequence numbers and reconciliation state, in Redis. Every key of one
 * source shares the hash tag `{<location>}` (one Redis Cluster slot), so a checkpoint and the
 * known-key updates it covers commit in one MULTI/EVAL. `location` is the source without
 * credentials (`postgres://host:5432/shop`), so changing a password or a `--source-id` keeps state.
 *
 * Layout (docs/polling.md):
 *   cdc:{loc}:poll:tables             HASH  table → registration JSON
 *   cdc:{loc}:poll:<table>:checkpoint STRING watermark JSON
 *   cdc:{loc}:poll:<table>:known      ZSET  known keys (keyed-set.ts), all scores 0
 *   cdc:{loc}:poll:<table>:schema     HASH  { signature, version }
 *   cdc:{loc}:poll:<table>:reconcile  HASH  last completed cycle facts, for status
 *   cdc:{loc}:poll:<table>:lease      STRING the running process's claim (lease.ts)
 *   cdc:{loc}:seq:<table>             STRING last reserved sequence number (INCRBY)
 */
export class RedisState {
  private constructor(
    readonly redis: Redis,
    readonly url: string,
  ) {}

  /**
   * Connects and proves the server answers. `service` keeps reconnecting forever after a drop
   * (commands fail meanwhile and the pipeline retries them); a CLI command fails fast instead.
   */
  static async connect(url: string, options: { service: boolean }): Promise<RedisState> {
    if (!/^rediss?:\/\//i.test(url)) {
      throw new UserInputError(`invalid state store URL ${JSON.stringify(redactUrl(url))}: expected redis://host:port/db or rediss://…`);
    }
    const { url: bare, tls } = redisTls(url);
    const redis = new Redis(bare, {
      ...(tls ? { tls } : {}),
      lazyConnect: true,
      connectTimeout: 5_000,
      maxRetriesPerRequest: options.service ? 3 : 1,
      retryStrategy: options.service ? (n) => Math.min(100 * 2 ** n, 5_000) : (n) => (n > 2 ? null : 200),
    });
    // Connection errors surface through the commands that fail; the event must not crash the process.
    // The last one is also the real cause when connect() only reports "Connection is closed".
    let lastError: Error | null = null;
    redis.on('error', (err: Error) => (lastError = err));
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      const cause = (lastError as Error | null) ?? (err as Error);
      const message = `cannot connect to the state store at ${redactUrl(url)}: ${cause.message}`;
      // A refused login or certificate does not change by retrying.
      if (/WRONGPASS|NOAUTH|NOPERM|certificate|self.signed/i.test(cause.message)) throw new UserInputError(message, { cause });
      throw new TransientError(message, { cause: err });
    }
    return new RedisState(redis, url);
  }

  /** Keys of one source. */
  source(location: string): SourceKeys {
    const tag = `cdc:{${encodeURIComponent(location)}}`;
    return {
      pollTables: `${tag}:poll:tables`,
      table: (table: string, part: TablePart) => `${tag}:poll:${encodeURIComponent(table)}:${part}`,
      sequence: (table: string) => `${tag}:seq:${encodeURIComponent(table)}`,
    };
  }

  /** SequenceStore on INCRBY: atomic, durable as far as the Redis persistence settings make it. */
  sequences(keys: SourceKeys): SequenceStore {
    return {
      reserve: async (table, count) => {
        if (!Number.isSafeInteger(count) || count < 1) throw new Error(`reserve(${count}): need a positive count`);
        const last = BigInt(await this.redis.incrby(keys.sequence(table), count));
        return last - BigInt(count) + 1n;
      },
    };
  }

  async getJson<T>(key: string): Promise<T | null> {
    const text = await this.redis.get(key);
    return text === null ? null : (JSON.parse(text) as T);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export type TablePart = 'checkpoint' | 'known' | 'schema' | 'reconcile' | 'lease';

export interface SourceKeys {
  pollTables: string;
  table(table: string, part: TablePart): string;
  sequence(table: string): string;
}

/**
 * `rediss://` is TLS with Node's public roots; `?cacert=<file>` (redis-cli's name) trusts a PEM CA
 * bundle instead, and `?cert=`/`?key=` add a client certificate. The parameters are removed before
 * ioredis sees the URL (it would take them for options). User and password stay in the URL:
 * `rediss://cdc:<pw>@host:6380/0` for an ACL user, `redis://:<pw>@host/0` for requirepass.
 */
export function redisTls(url: string): { url: string; tls: RedisOptions['tls'] | undefined } {
  const u = new URL(url);
  const p = u.searchParams;
  const files = ['cacert', 'cert', 'key'].filter((k) => p.has(k));
  if (u.protocol !== 'rediss:') {
    if (files.length > 0) throw new UserInputError(`invalid state store URL ${JSON.stringify(redactUrl(url))}: ${files[0]}= needs TLS: write rediss://`);
    return { url, tls: undefined };
  }
  const read = (k: string) => {
    try {
      return readFileSync(p.get(k)!, 'utf8');
    } catch (err) {
      throw new UserInputError(`invalid state store URL ${JSON.stringify(redactUrl(url))}: ${k}: cannot read ${p.get(k)}: ${(err as NodeJS.ErrnoException).code}`);
    }
  };
  if (p.has('cert') !== p.has('key')) throw new UserInputError(`invalid state store URL ${JSON.stringify(redactUrl(url))}: cert and key go together`);
  const tls: NonNullable<RedisOptions['tls']> = {};
  if (p.has('cacert')) tls.ca = read('cacert');
  if (p.has('cert')) {
    tls.cert = read('cert');
    tls.key = read('key');
  }
  for (const k of files) p.delete(k);
  return { url: u.toString(), tls };
}
