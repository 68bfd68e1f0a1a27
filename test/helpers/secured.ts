import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where scripts/services.sh keeps the secured endpoints' material (scripts/services/tls.sh,
 * kafka/secure.sh, redis.sh): a throwaway CA and the generated passwords, outside the repository.
 */
const CACHE = process.env.CDC_CACHE_DIR ?? join(homedir(), '.cache', 'cdc');

export const SECURED = {
  caFile: join(CACHE, 'tls', 'ca.pem'),
  clientCertFile: join(CACHE, 'tls', 'client.pem'),
  clientKeyFile: join(CACHE, 'tls', 'client.key'),
  /** The broker's SASL_SSL listener; PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for user `cdc`. */
  kafkaBrokers: [`127.0.0.1:${process.env.CDC_KAFKA_SECURE_PORT ?? 9094}`],
  kafkaUser: 'cdc',
  kafkaPasswordFile: join(CACHE, 'kafka', 'secure', 'cdc.password'),
  /** The second Redis: plain on 6380, TLS on 6381, password for `default` and ACL user `cdc`. */
  redisPasswordFile: join(CACHE, 'redis-secure', 'password'),
};

export function secret(file: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/services.sh (npm run services) first`);
  return readFileSync(file, 'utf8').trim();
}
