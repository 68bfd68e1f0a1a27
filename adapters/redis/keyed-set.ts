import type { Redis } from 'ioredis';

/**
 * A sorted set (all scores 0, ordered by bytes) holding at most one member per entity, where a
 * member is `<prefix><payload>` and `prefix` identifies the entity (adapters/poll/keys.ts builds
 * prefixes that end in NUL and contain no other NUL). Replacing an entity's member must find the
 * old one first, so updates run as one script: atomic with the checkpoint written next to them.
 */

// Members of one entity lie in [prefix, prefix-with-its-final-NUL-raised-to-\1).
const APPLY = `
for i = 2, #ARGV, 2 do
  local prefix = ARGV[i]
  local hi = string.sub(prefix, 1, -2) .. '\\1'
  local old = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. prefix, '(' .. hi)
  for _, m in ipairs(old) do redis.call('ZREM', KEYS[1], m) end
  if ARGV[i + 1] ~= '' then redis.call('ZADD', KEYS[1], 0, ARGV[i + 1]) end
end
if ARGV[1] ~= '' then redis.call('SET', KEYS[2], ARGV[1]) end
return 1`;

const LOOKUP = `
local out = {}
for i = 1, #ARGV do
  local hi = string.sub(ARGV[i], 1, -2) .. '\\1'
  local m = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ARGV[i], '(' .. hi, 'LIMIT', 0, 1)
  out[i] = m[1] or ''
end
return out`;

export interface KeyedUpdate {
  prefix: string;
  /** The entity's new member, or null to remove the entity. */
  member: string | null;
}

/** Applies updates in order, then sets `stateKey` to `state` (when given), all atomically. */
export async function applyKeyed(redis: Redis, setKey: string, stateKey: string, state: string | null, updates: readonly KeyedUpdate[]): Promise<void> {
  const args = [state ?? '', ...updates.flatMap((u) => [u.prefix, u.member ?? ''])];
  await redis.eval(APPLY, 2, setKey, stateKey, ...args);
}

/** The current member of each prefix, or null. */
export async function lookupKeyed(redis: Redis, setKey: string, prefixes: readonly string[]): Promise<(string | null)[]> {
  if (prefixes.length === 0) return [];
  const found = (await redis.eval(LOOKUP, 1, setKey, ...prefixes)) as string[];
  return found.map((m) => (m === '' ? null : m));
}

/** Members in a ZRANGEBYLEX range. */
export function rangeKeyed(redis: Redis, setKey: string, lo: string, hi: string): Promise<string[]> {
  return redis.zrangebylex(setKey, lo, hi);
}
