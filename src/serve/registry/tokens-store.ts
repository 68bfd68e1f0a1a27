import type { Knex } from 'knex';
import { newToken, parseToken, secretMatches, type Scope } from '../tokens.js';

/** Creates a token; the caller prints `token` once, only its hash is kept. */
export async function createToken(db: Knex, scope: Scope): Promise<string> {
  const t = newToken();
  await db('api_tokens').insert({ id: t.id, secret_hash: t.hash, scope, created_at: new Date().toISOString() });
  return t.token;
}

/** The token's scope, or null for a malformed, unknown or wrong token. */
export async function tokenScope(db: Knex, token: string): Promise<Scope | null> {
  const parsed = parseToken(token);
  if (!parsed) return null;
  const row = await db('api_tokens').where({ id: parsed.id }).first();
  if (!row) return null;
  return secretMatches(parsed.secret, row.secret_hash) ? (row.scope as Scope) : null;
}
