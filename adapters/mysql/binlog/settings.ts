import { UserInputError } from '../../../src/core/errors.js';
import type { MysqlQueryable } from '../driver.js';
import type { TableInfo } from '../introspect.js';

/** The server facts binlog capture depends on; read once per `cdc upgrade --to binlog`. */
export interface BinlogSettings {
  mariadb: boolean;
  logBin: boolean;
  /** @@GLOBAL values, upper-case; null where the server has no such variable. */
  format: string | null;
  rowImage: string | null;
  rowMetadata: string | null;
  /** MySQL 8: PARTIAL_JSON row images and compressed transactions are what zongji cannot decode. */
  rowValueOptions: string | null;
  transactionCompression: string | null;
  /** SHOW GRANTS of the connected user. */
  grants: string[];
}

const VARIABLES = ['log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'binlog_row_value_options', 'binlog_transaction_compression'];

export async function readBinlogSettings(q: MysqlQueryable, mariadb: boolean): Promise<BinlogSettings> {
  const rows = await q.rows<{ Variable_name: string; Value: string }>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(', ')})`,
    VARIABLES,
  );
  const v = new Map(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value).toUpperCase()]));
  const grants = (await q.rows<Record<string, string>>('SHOW GRANTS')).map((r) => String(Object.values(r)[0] ?? ''));
  return {
    mariadb,
    logBin: v.get('log_bin') === 'ON' || v.get('log_bin') === '1',
    format: v.get('binlog_format') ?? null,
    rowImage: v.get('binlog_row_image') ?? null,
    rowMetadata: v.get('binlog_row_metadata') ?? null,
    rowValueOptions: v.get('binlog_row_value_options') ?? null,
    transactionCompression: v.get('binlog_transaction_compression') ?? null,
    grants,
  };
}

/**
 * Server settings and privileges binlog capture needs, checked before `cdc upgrade` changes
 * anything; each failure is one line naming the setting and the fix. Global values are what
 * count: a session may still SET binlog_format=STATEMENT (it needs SUPER/BINLOG ADMIN to), and its
 * writes would then be missing from the row stream — docs/mysql-binlog.md says so.
 */
export function checkBinlogSettings(s: BinlogSettings): void {
  const fix = 'set it in the server configuration (my.cnf) and SET GLOBAL, then retry';
  if (!s.logBin) throw new UserInputError('binlog capture needs binary logging, and log_bin is OFF on this server: enable log_bin (with server_id, binlog_format=ROW, binlog_row_image=FULL) and restart the server');
  if (s.format !== 'ROW') throw new UserInputError(`binlog capture needs binlog_format=ROW, and the server has ${s.format ?? 'none'}: ${fix}`);
  if (s.rowImage !== null && s.rowImage !== 'FULL') {
    throw new UserInputError(`binlog capture needs binlog_row_image=FULL (whole before/after images), and the server has ${s.rowImage}: ${fix}`);
  }
  if (s.rowValueOptions !== null && s.rowValueOptions.includes('PARTIAL_JSON')) {
    throw new UserInputError(`binlog capture cannot decode binlog_row_value_options=PARTIAL_JSON: set it to '' (${fix})`);
  }
  if (s.transactionCompression === 'ON') {
    throw new UserInputError(`binlog capture cannot decode compressed transactions: set binlog_transaction_compression=OFF (${fix})`);
  }
  const missing = missingReplicationPrivileges(s.grants);
  if (missing.length > 0) {
    const client = s.mariadb ? 'BINLOG MONITOR' : 'REPLICATION CLIENT';
    throw new UserInputError(
      `binlog capture needs the REPLICATION SLAVE and ${client} privileges, and this user lacks ${missing.join(' and ')}: GRANT REPLICATION SLAVE, ${client} ON *.* TO <cdc user>`,
    );
  }
}

/**
 * Which of the two global privileges SHOW GRANTS proves missing. A user with roles is given the
 * benefit of the doubt (roles may carry them); a later stream failure is then reported instead.
 * MariaDB 10.5+ prints REPLICATION CLIENT as BINLOG MONITOR.
 */
export function missingReplicationPrivileges(grants: readonly string[]): string[] {
  const hasRole = grants.some((g) => /^GRANT\s+(?:`[^`]*`|'[^']*')(?:@(?:`[^`]*`|'[^']*'))?(?:\s*,\s*(?:`[^`]*`|'[^']*')(?:@(?:`[^`]*`|'[^']*'))?)*\s+TO\s/i.test(g));
  if (hasRole) return [];
  const global = grants
    .map((g) => /^GRANT\s+(.*?)\s+ON\s+\*\.\*\s+TO\s/i.exec(g)?.[1]?.toUpperCase())
    .filter((p): p is string => p !== undefined)
    .flatMap((p) => p.split(/\s*,\s*/));
  const has = (...names: string[]) => global.some((p) => p === 'ALL PRIVILEGES' || p === 'ALL' || names.includes(p));
  const missing: string[] = [];
  if (!has('REPLICATION SLAVE', 'REPLICATION REPLICA')) missing.push('REPLICATION SLAVE');
  if (!has('REPLICATION CLIENT', 'BINLOG MONITOR', 'SUPER')) missing.push('REPLICATION CLIENT');
  return missing;
}

/**
 * What this table needs to be read correctly from the binlog (docs/mysql-binlog.md, "Types"):
 * InnoDB, for an exact switch boundary; no generic GEOMETRY column (zongji drops the WKB type
 * codes); ENUM/SET labels zongji can split from COLUMN_TYPE unless the binlog carries them.
 */
export function checkBinlogTable(table: string, info: TableInfo, s: BinlogSettings): void {
  if ((info.engine ?? '').toUpperCase() !== 'INNODB') {
    throw new UserInputError(`binlog capture of ${table} needs an InnoDB table (it is ${info.engine ?? 'unknown'}): a non-transactional table has no consistent switch boundary`);
  }
  for (const c of info.columns) {
    if (c.dataType === 'geometry' || c.dataType === 'geometrycollection' || c.dataType === 'geomcollection') {
      throw new UserInputError(
        `column ${JSON.stringify(c.name)} of ${table} is ${c.dataType.toUpperCase()}: the binlog reader cannot tell its geometry types apart; declare a subtype (POINT, POLYGON, …) or keep the table in trigger mode`,
      );
    }
    if ((c.dataType === 'enum' || c.dataType === 'set') && s.rowMetadata !== 'FULL' && /[,'"\\]/.test(labelsOf(c.columnType))) {
      throw new UserInputError(
        `column ${JSON.stringify(c.name)} of ${table} has ${c.dataType.toUpperCase()} labels with commas or quotes, which the binlog reader can only decode with binlog_row_metadata=FULL`,
      );
    }
    if (s.mariadb && s.rowMetadata === 'FULL' && ['uuid', 'inet4', 'inet6'].includes(c.dataType)) {
      throw new UserInputError(`column ${JSON.stringify(c.name)} of ${table} is ${c.dataType.toUpperCase()}, which the binlog reader decodes only with binlog_row_metadata=NO_LOG or MINIMAL`);
    }
  }
}

/** `enum('a','b c')` → `a'b c` with the outer quotes and separators removed. */
function labelsOf(columnType: string): string {
  const inner = columnType.replace(/^\w+\(/, '').replace(/\)$/, '');
  return inner.replace(/^'|'$/g, '').split("','").join('');
}
