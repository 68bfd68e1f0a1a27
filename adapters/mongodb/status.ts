import type { Document, MongoClient } from 'mongodb';
import type { TableStatus } from '../../src/core/change-source.js';
import { countsAsChange, isInvalidate } from './changes.js';
import type { MongoServerInfo } from './connect.js';
import { oneLine } from './errors.js';
import { formatClusterTime } from './position.js';
import { getCheckpoint, listRegistrations, type Registration, type StoredCheckpoint } from './state-store.js';
import { openChangeStream, streamStart } from './stream.js';

/** Counting stops here: status is run by hand and must stay quick on a large backlog. */
const BACKLOG_CAP = 1000;
const PROBE_BUDGET_MS = 3_000;

/**
 * `cdc status` per registered collection. A change stream does not say how many changes lie ahead
 * of a resume token, so status opens one at the checkpoint (without document lookups) and counts
 * what is there, up to BACKLOG_CAP; `details.backlogExact` says whether the count is complete.
 * The lag is the age of the first unacknowledged change (its wallTime on MongoDB 6+, else its
 * cluster time, whole seconds), 0 when there is none.
 */
export async function collectionStatuses(client: MongoClient, stateDb: string, server: MongoServerInfo): Promise<TableStatus[]> {
  const out: TableStatus[] = [];
  for (const reg of await listRegistrations(client.db(stateDb))) {
    const cp = await getCheckpoint(client.db(stateDb), reg.tableName);
    const probe = await probeBacklog(client, reg, cp, server);
    out.push({
      table: reg.tableName,
      mode: 'oplog',
      backlog: probe.count,
      checkpoint: cp?.position ?? null,
      lagSeconds: probe.oldest ? Math.max(0, (Date.now() - probe.oldest.getTime()) / 1000) : 0,
      details: {
        keyColumns: ['_id'],
        backlogExact: probe.exact,
        ...(probe.exact ? {} : { backlogNote: `at least ${probe.count}: counting stops at ${BACKLOG_CAP} changes or ${PROBE_BUDGET_MS / 1000}s` }),
        lastAckedClusterTime: cp?.clusterTime ? formatClusterTime(cp.clusterTime) : null,
        checkpointUpdatedAt: cp?.updatedAt?.toISOString() ?? null,
        registeredAt: reg.installedAt?.toISOString() ?? null,
        ...(cp?.resumeToken ? {} : { firstRunStartsAt: reg.startAt ? formatClusterTime(reg.startAt) : 'now' }),
        ...(probe.error ? { problem: `cannot read the change stream: ${probe.error}` } : {}),
      },
    });
  }
  return out;
}

async function probeBacklog(
  client: MongoClient,
  reg: Registration,
  cp: StoredCheckpoint | null,
  server: MongoServerInfo,
): Promise<{ count: number; exact: boolean; oldest: Date | null; error?: string }> {
  const stream = openChangeStream(client, reg.table, streamStart(reg, cp), server, {
    batchSize: BACKLOG_CAP,
    maxAwaitTimeMS: 100,
    images: false,
  });
  const deadline = Date.now() + PROBE_BUDGET_MS;
  let count = 0;
  let oldest: Date | null = null;
  try {
    for (;;) {
      if (count >= BACKLOG_CAP || Date.now() > deadline) return { count, exact: false, oldest };
      const event: Document | null = await stream.tryNext();
      if (!event || isInvalidate(event)) return { count, exact: true, oldest };
      if (!countsAsChange(event, reg.table)) continue;
      oldest ??= event.wallTime instanceof Date ? event.wallTime : new Date(Number(event.clusterTime.t) * 1000);
      count++;
    }
  } catch (err) {
    return { count: 0, exact: false, oldest: null, error: oneLine(err) };
  } finally {
    await stream.close().catch(() => undefined);
  }
}
