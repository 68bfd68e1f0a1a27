import { Redis } from 'ioredis';
import { UserInputError } from '../../src/core/errors.js';
import { redactUrl } from '../../src/logging.js';
import { redisTls } from '../redis/redis-state.js';

/**
 * A Redis connection as BullMQ needs it: commands wait for a reconnect instead of failing after a
 * few retries (`maxRetriesPerRequest: null`, BullMQ's requirement for workers), so a Redis restart
 * pauses the workers rather than failing their tables. TLS and AUTH as for the state store
 * (`rediss://`, `?cacert=`, user and password in the URL).
 */
export function bullConnection(url: string): Redis {
  if (!/^rediss?:\/\//i.test(url)) {
    throw new UserInputError(`invalid --redis URL ${JSON.stringify(redactUrl(url))}: expected redis://host:port/db or rediss://…`);
  }
  const { url: bare, tls } = redisTls(url);
  const redis = new Redis(bare, { ...(tls ? { tls } : {}), maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(100 * 2 ** n, 5_000) });
  // Errors surface through the commands that wait on them; the event must not crash the process.
  redis.on('error', () => undefined);
  return redis;
}
