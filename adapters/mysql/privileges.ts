import { UserInputError } from '../../src/core/errors.js';
import type { MysqlQueryable } from './driver.js';

/**
 * The common trap on legacy servers, checked before any DDL: with binary logging on and
 * log_bin_trust_function_creators off, CREATE TRIGGER needs SUPER (MySQL 5.7/8, MariaDB). Only
 * direct global grants are read (SHOW GRANTS); if the user has roles, which may carry SUPER, the
 * check steps aside and a failing CREATE TRIGGER is reported (and undone) instead. Other missing
 * privileges are handled the same way: grants can be inherited in too many ways to pre-judge.
 */
export async function checkTriggerCreation(q: MysqlQueryable, table: string): Promise<void> {
  const [vars] = await q.rows<{ log_bin: string | number; trust: string | number }>(
    'SELECT @@GLOBAL.log_bin AS log_bin, @@GLOBAL.log_bin_trust_function_creators AS trust',
  );
  if (Number(vars?.log_bin) !== 1 || Number(vars?.trust) === 1) return;
  const grants = (await q.rows<Record<string, string>>('SHOW GRANTS')).map((r) => String(Object.values(r)[0] ?? ''));
  if (!needsSuper(grants)) return;
  throw new UserInputError(
    `cannot create triggers on ${table}: binary logging is on and this user lacks SUPER; ` +
      `set log_bin_trust_function_creators=1 on the server, or run install-triggers as a user with SUPER`,
  );
}

/** True when SHOW GRANTS proves the user has neither SUPER nor any role that could carry it. */
export function needsSuper(grants: readonly string[]): boolean {
  const hasRole = grants.some((g) => /^GRANT\s+(?:`[^`]*`|'[^']*')(?:@(?:`[^`]*`|'[^']*'))?(?:\s*,\s*(?:`[^`]*`|'[^']*')(?:@(?:`[^`]*`|'[^']*'))?)*\s+TO\s/i.test(g));
  if (hasRole) return false;
  return !grants.some((g) => /^GRANT\s+(?:ALL PRIVILEGES|[^`']*\bSUPER\b[^`']*)\s+ON\s+\*\.\*\s+TO\s/i.test(g));
}
