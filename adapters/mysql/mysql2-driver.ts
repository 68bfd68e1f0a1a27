import mysql from 'mysql2/promise';
import type { FieldPacket, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import type { MysqlDriver, MysqlOk, MysqlQueryable, MysqlRow, MysqlSession, SqlParam } from './driver.js';

export interface MysqlConnectOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The captured (application) database: the default schema of unqualified table names. */
  database: string;
  /** Where cdc keeps its state and change logs (identifiers.ts stateDatabaseName). */
  stateDatabase: string;
  poolSize: number;
  /** The replica server_id the binlog reader announces (URL ?binlogServerId=); random when unset. */
  binlogServerId?: number;
  /** TLS from the URL's ssl-mode/ssl-ca/… (tls.ts); absent: plaintext. Pool and binlog both use it. */
  tls?: MysqlTls;
}

export interface MysqlTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** VERIFY_CA and VERIFY_IDENTITY: the chain must lead to `ca` (or the public roots). */
  verifyCa: boolean;
  /** VERIFY_IDENTITY: the host name must match the certificate too. */
  verifyIdentity: boolean;
}

/** mysql2's `ssl` option (also what @vlasky/zongji hands to mysql2 for the binlog connection). */
export function mysql2Ssl(tls: MysqlTls | undefined): mysql.SslOptions | undefined {
  if (!tls) return undefined;
  return {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}),
    rejectUnauthorized: tls.verifyCa,
    verifyIdentity: tls.verifyIdentity,
  };
}

/**
 * Settings every cdc session runs with. UTC makes TIMESTAMP columns print as UTC for the SELECT
 * decoder. NO_BACKSLASH_ESCAPES is removed because mysql2 escapes `?` parameters with backslashes
 * on the client: under that mode a quote in a table name would end the literal early. Triggers
 * created in such a session keep the rest of the user's sql_mode; their bodies contain no
 * backslashes, so the flag makes no difference to them.
 */
export const SESSION_SQL =
  `SET SESSION time_zone = '+00:00', ` +
  `SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))`;

function clientOptions(o: MysqlConnectOptions, database: string): mysql.ConnectionOptions {
  return {
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database,
    charset: 'UTF8MB4_GENERAL_CI',
    // Lossless values (README "Type fidelity"): the decoders see exactly what the server printed.
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    timezone: 'Z',
    multipleStatements: false,
    connectTimeout: 10_000,
    enableKeepAlive: true,
    ...(o.tls ? { ssl: mysql2Ssl(o.tls) } : {}),
  };
}

function wrap(q: { query: mysql.Connection['query'] }): MysqlQueryable {
  return {
    async rows<R extends object = MysqlRow>(sql: string, params?: readonly SqlParam[]): Promise<R[]> {
      const [rows] = (await q.query({ sql, values: params as unknown[] | undefined })) as [unknown, FieldPacket[]];
      if (!Array.isArray(rows)) throw new Error(`expected rows from: ${sql.slice(0, 80)}`);
      return rows as R[];
    },
    async exec(sql: string, params?: readonly SqlParam[]): Promise<MysqlOk> {
      const [res] = (await q.query({ sql, values: params as unknown[] | undefined })) as [unknown, FieldPacket[]];
      return { affectedRows: (res as ResultSetHeader | undefined)?.affectedRows ?? 0 };
    },
  };
}

const isFatal = (err: unknown): boolean => (err as { fatal?: unknown } | null)?.fatal === true;

export function createMysql2Driver(o: MysqlConnectOptions): MysqlDriver {
  let database = o.database;
  const makePool = () => {
    const p = mysql.createPool({ ...clientOptions(o, database), connectionLimit: o.poolSize, waitForConnections: true });
    // The callback-style pool underneath emits 'connection' before handing a new connection out, and
    // a connection runs its commands in order, so the settings precede the caller's first query.
    p.pool.on('connection', (conn) => {
      conn.query(SESSION_SQL, () => undefined);
    });
    return p;
  };
  let pool = makePool();
  const pooled: MysqlQueryable = {
    rows: (sql, params) => wrap(pool).rows(sql, params),
    exec: (sql, params) => wrap(pool).exec(sql, params),
  };

  return {
    ...pooled,
    async transaction<T>(fn: (q: MysqlQueryable) => Promise<T>): Promise<T> {
      const conn: PoolConnection = await pool.getConnection();
      let broken = false;
      try {
        await conn.query('START TRANSACTION');
        const result = await fn(wrap(conn));
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        broken = isFatal(err);
        if (!broken) await conn.query('ROLLBACK').catch(() => (broken = true));
        throw err;
      } finally {
        if (broken) conn.destroy();
        else conn.release();
      }
    },
    async dedicated(): Promise<MysqlSession> {
      const conn = await mysql.createConnection(clientOptions(o, database));
      let lost = false;
      conn.on('error', () => (lost = true));
      try {
        await conn.query(SESSION_SQL);
        const [rows] = (await conn.query('SELECT CONNECTION_ID() AS id')) as [Array<{ id: string | number }>, FieldPacket[]];
        const q = wrap(conn);
        const guard = async <T>(p: Promise<T>): Promise<T> => {
          try {
            return await p;
          } catch (err) {
            if (isFatal(err)) lost = true;
            throw err;
          }
        };
        return {
          connectionId: Number(rows[0]!.id),
          get lost() {
            return lost;
          },
          rows: (sql, params) => guard(q.rows(sql, params)),
          exec: (sql, params) => guard(q.exec(sql, params)),
          async close() {
            lost = true;
            await conn.end().catch(() => conn.destroy());
          },
        };
      } catch (err) {
        conn.destroy();
        throw err;
      }
    },
    get database() {
      return database;
    },
    async useDatabase(next: string) {
      if (next === database) return;
      const old = pool;
      database = next;
      pool = makePool();
      await old.end();
    },
    async end() {
      await pool.end();
    },
  };
}
