import { UserInputError } from '../../src/core/errors.js';
import type { PgQueryable } from './driver.js';

/**
 * Roles cdc trusts in a database: superusers and the role cdc runs as, plus, when that role is not
 * a superuser, the roles whose rights it has anyway (pg_has_role … USAGE). A superuser "has" every
 * role, so for one running as a superuser only superusers and itself count.
 */
const TRUSTED = `
  me AS (SELECT r.oid, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user),
  trusted AS (
    SELECT r.oid FROM pg_catalog.pg_roles r, me
     WHERE r.rolsuper OR r.oid = me.oid OR (NOT me.rolsuper AND pg_catalog.pg_has_role(me.oid, r.oid, 'USAGE')))`;

/**
 * What in schema cdc a role outside TRUSTED could use against the role running cdc. cdc runs its
 * own SQL against these objects (often as a superuser), so a table someone else owns, or a trigger
 * or rule someone put on one of cdc's tables, is code that would run with cdc's rights; CREATE on
 * the schema would let someone plant a table under a name cdc derives later (log tables' names are
 * predictable). The capture functions are not checked here: each is owned by its table's owner by
 * design, and install re-creates it. Nothing is reported when schema cdc does not exist.
 */
const FINDINGS = `
  WITH ${TRUSTED},
  cdc AS (SELECT n.oid, n.nspowner, n.nspacl FROM pg_catalog.pg_namespace n WHERE n.nspname = 'cdc')
  SELECT 'schema cdc is owned by role ' || pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(cdc.nspowner)) AS finding
    FROM cdc WHERE cdc.nspowner NOT IN (SELECT oid FROM trusted)
  UNION ALL
  SELECT 'cdc.' || pg_catalog.quote_ident(c.relname) || ' is owned by role ' || pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(c.relowner))
    FROM pg_catalog.pg_class c JOIN cdc ON c.relnamespace = cdc.oid
   WHERE c.relowner NOT IN (SELECT oid FROM trusted)
  UNION ALL
  SELECT 'cdc.' || pg_catalog.quote_ident(c.relname) || ' has a trigger cdc did not create (' || pg_catalog.quote_ident(t.tgname) || ')'
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN cdc ON c.relnamespace = cdc.oid
   WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'cdc.' || pg_catalog.quote_ident(c.relname) || ' has a rule cdc did not create (' || pg_catalog.quote_ident(r.rulename) || ')'
    FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN cdc ON c.relnamespace = cdc.oid
   WHERE r.rulename <> '_RETURN'
  UNION ALL
  SELECT 'role ' || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END
         || ' may create objects in schema cdc'
    FROM cdc, pg_catalog.aclexplode(cdc.nspacl) a
   WHERE a.privilege_type = 'CREATE' AND (a.grantee = 0 OR a.grantee NOT IN (SELECT oid FROM trusted))`;

/**
 * Refuses, with one line, to use a schema cdc that a role cdc does not trust could have prepared:
 * run before every migration and install, so cdc never adopts or writes through such objects.
 */
export async function assertTrustedCdcSchema(q: PgQueryable): Promise<void> {
  const { rows } = await q.query<{ finding: string }>(FINDINGS);
  if (rows.length === 0) return;
  const { rows: me } = await q.query<{ name: string }>('SELECT current_user::text AS name');
  const shown = rows.slice(0, 3).map((r) => r.finding).join('; ');
  const more = rows.length > 3 ? ` (and ${rows.length - 3} more)` : '';
  throw new UserInputError(
    `refusing to use schema cdc: ${shown}${more}; cdc trusts only superusers and the role it runs as (${me[0]?.name ?? '?'}): ` +
      'have a trusted role own these objects, or drop them (docs/security.md)',
  );
}
