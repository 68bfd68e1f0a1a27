import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import { pgConnectionConfig } from '../tls.js';
import { formatLsn, parseLsn } from './lsn.js';

/**
 * The replication-protocol surface of WAL capture, the only file that touches `pg` replication
 * connections and pg-logical-replication (STYLE rule 4). What the library does by default and why
 * each default is turned off here:
 *  - `acknowledge.auto` confirms every message to the server as soon as it is *received*; a crash
 *    before Kafka acknowledged it would lose it. Off: we confirm only what the sink acknowledged.
 *  - `acknowledge.timeoutSeconds` runs a timer that confirms the last *received* LSN. Off (0): our
 *    own status timer re-sends the last *acknowledged* LSN instead, so the walsender does not time
 *    us out while the stream is paused for backpressure.
 *  - `acknowledge(lsn)` reports `lsn + 1` as flushed. The server skips, on restart, transactions
 *    whose commit record starts *before* the confirmed position, and a commit record can start
 *    exactly at the previous commit's end LSN; so confirming end+1 could skip a transaction. We
 *    pass `lsn − 1` so that exactly `lsn` is reported.
 *  - its pgoutput parser runs node-pg's global type parsers on every value (JSON.parse on json,
 *    Date on timestamps: rounding). The plugin below swaps them for "keep the text" on each
 *    relation as it is parsed, before any row of it, and the text decoder maps the values.
 *  - flow control on: the library awaits our async handler and pauses the socket meanwhile.
 */

/** Walsender session settings: text output exactly as the text decoder expects it (see driver.ts). */
const SESSION_OPTIONS = '-c DateStyle=ISO,YMD -c TimeZone=UTC -c IntervalStyle=postgres -c extra_float_digits=1 -c bytea_output=hex';

const keepText = (raw: unknown) => raw;

class RawTextPgoutput extends PgoutputPlugin {
  override parse(buffer: Buffer): Pgoutput.Message {
    const msg = super.parse(buffer);
    if (msg.tag === 'relation') for (const c of msg.columns) c.parser = keepText;
    return msg;
  }
}

export type PgoutputMessage = Pgoutput.Message;

export interface StreamHandlers {
  /** Awaited before the next message is parsed: return a pending promise to apply backpressure. */
  /** `lsn`: where the message's WAL record starts (a row change's own LSN). */
  onMessage(msg: PgoutputMessage, lsn: string): Promise<void> | void;
  /** The server asked for a status update (`replyRequested`); answer with `confirm`. */
  onKeepalive(replyRequested: boolean): void;
  /** The connection failed after it started; the stream is dead. */
  onError(err: unknown): void;
}

export interface ReplicationStream {
  /** Tells the server that every transaction committing before `lsn` is durable downstream. */
  confirm(lsn: bigint): void;
  stop(): Promise<void>;
}

export interface StreamTarget {
  url: string;
  slot: string;
  publication: string;
  /** Stream transactions whose commit record starts at or after this LSN. */
  startLsn: bigint;
}

/** Starts streaming; resolves once the server accepted START_REPLICATION, rejects if it refused. */
export async function startStream(target: StreamTarget, handlers: StreamHandlers): Promise<ReplicationStream> {
  const service = new LogicalReplicationService(
    { ...pgConnectionConfig(target.url), application_name: `cdc-wal ${target.slot}`, options: SESSION_OPTIONS, keepAlive: true },
    { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
  );
  const plugin = new RawTextPgoutput({ protoVersion: 1, publicationNames: [target.publication], messages: true });
  let started = false;
  let stopped = false;
  const fail = (err: unknown) => {
    if (started && !stopped) handlers.onError(err);
  };
  service.on('data', (lsn: string, msg: PgoutputMessage) => handlers.onMessage(msg, lsn));
  service.on('heartbeat', (_lsn: string, _ts: number, replyRequested: boolean) => handlers.onKeepalive(replyRequested));
  service.on('error', fail);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.race([service.destroy(), new Promise((r) => setTimeout(r, 2000).unref())]).catch(() => undefined);
  };
  await new Promise<void>((resolve, reject) => {
    service.once('start', () => {
      started = true;
      resolve();
    });
    service.subscribe(plugin, target.slot, formatLsn(target.startLsn)).then(
      () => fail(new Error('replication stream ended')),
      (err: unknown) => (started ? fail(err) : reject(err)),
    );
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return {
    confirm(lsn) {
      if (lsn > 0n && !stopped) void service.acknowledge(formatLsn(lsn - 1n));
    },
    stop,
  };
}

export interface CreatedSlot {
  consistentPoint: bigint;
  /** The exported snapshot's name, valid only until `release()`. */
  snapshotName: string;
  release(): Promise<void>;
}

/**
 * CREATE_REPLICATION_SLOT … (SNAPSHOT 'export') on a replication connection. The exported snapshot
 * shows exactly the transactions that committed before the slot's consistent point, i.e. exactly
 * those the slot will never stream: the boundary between trigger and WAL capture. It stays
 * importable until the connection runs another command or closes (`release`).
 */
export async function createSlotExportingSnapshot(url: string, slot: string): Promise<CreatedSlot> {
  const client = new pg.Client({ ...pgConnectionConfig(url), replication: 'database', application_name: 'cdc-upgrade' } as pg.ClientConfig);
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query(`CREATE_REPLICATION_SLOT "${slot}" LOGICAL pgoutput (SNAPSHOT 'export')`);
    const row = rows[0] as { consistent_point: string; snapshot_name: string };
    return {
      consistentPoint: parseLsn(row.consistent_point),
      snapshotName: row.snapshot_name,
      release: () => client.end().catch(() => undefined),
    };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}
