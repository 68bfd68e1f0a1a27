import { randomUUID } from 'node:crypto';
import { UserInputError } from '../../../src/core/errors.js';
import type { UpgradeResult } from '../../../src/core/source-database.js';
import type { TableRef } from '../../../src/core/table-ref.js';
import { qualifiedName } from '../../../src/core/table-ref.js';
import type { PgDriver } from '../driver.js';
import { logTableName } from '../identifiers.js';
import { getCaptured } from '../state-store.js';
import { captureObjects, checkInstallable, guarded, lockForChange } from '../trigger/install.js';
import { messagePrefix } from '../wal/names.js';
import { alreadyDone, requested } from './result.js';
import { dropWalObjects } from '../wal/cleanup.js';
import { forgetWalObjects, formatSwitchRequest, lockSwitchState } from './state.js';

/**
 * `cdc upgrade --to trigger` for a table captured from the WAL: ONE transaction installs the change
 * log and triggers, records the request, and writes a transactional marker message into the WAL.
 *
 * Why that is an exact boundary: CREATE TRIGGER takes a lock that waits for every transaction
 * that has written the table, and every later writer sees the trigger. So a transaction whose
 * commit comes before this one's in the WAL wrote no log row, and one that commits after it logged
 * every change it made. The WAL source delivers everything before the marker (decoding is in commit
 * order) and stops there; the trigger source delivers the log. Marker and request commit together,
 * so after a crash at any point both are there, or neither.
 */
export async function requestTrigger(driver: PgDriver, t: TableRef): Promise<UpgradeResult> {
  const name = qualifiedName(t);
  const info = await getCaptured(driver, name);
  if (!info) throw new UserInputError(`table ${name} is not set up for capture: run cdc install-triggers --table ${JSON.stringify(name)} first`);
  if (info.pendingMode === 'trigger') return requested(name, 'wal', 'trigger');
  if (info.mode === 'trigger' && info.pendingMode === 'wal') return withdrawWalRequest(driver, name);
  if (info.mode === 'trigger') return alreadyDone(name, 'trigger');

  return guarded(name, 'install trigger capture on', () =>
    driver.transaction(async (q) => {
      await lockForChange(q, name);
      const state = await lockSwitchState(q, name);
      if (!state || state.mode !== 'wal' || state.pendingMode !== null || !state.slot) {
        throw new UserInputError(`table ${name} changed capture mode while cdc upgrade ran (another cdc upgrade?); nothing was switched`);
      }
      const { oid, signature } = await checkInstallable(q, t, { keyColumns: info.keyColumns });
      const logTable = logTableName(t);
      const objects = await captureObjects(q, t, oid);
      await objects.create();
      const marker = randomUUID();
      await q.query(
        `UPDATE cdc.captured_tables
            SET log_table = $2, generation = $3::uuid, definition_hash = $4, column_signature = COALESCE(column_signature, $5),
                pending_mode = 'trigger', switch_request = $6
          WHERE table_name = $1`,
        [name, logTable, randomUUID(), objects.definitionHash, signature, formatSwitchRequest({ to: 'trigger', marker })],
      );
      await q.query(`SELECT pg_logical_emit_message(true, $1, $2)`, [messagePrefix(state.slot, 'switch'), marker]);
      return requested(name, 'wal', 'trigger');
    }),
  );
}

/**
 * `--to trigger` while a switch to wal is still pending withdraws it, so a request that no cdc run
 * picks up does not keep a slot retaining WAL forever. The row lock orders this against the
 * running source's commit: whichever comes second sees the other's result.
 */
async function withdrawWalRequest(driver: PgDriver, name: string): Promise<UpgradeResult> {
  const names = await driver.transaction(async (q) => {
    const state = await lockSwitchState(q, name);
    if (!state || state.mode !== 'trigger' || state.pendingMode !== 'wal') {
      throw new UserInputError(`table ${name} switched to wal capture meanwhile; run cdc upgrade --to trigger again to switch back`);
    }
    const { rows } = await q.query<{ slot: string | null; publication: string | null }>(
      `UPDATE cdc.captured_tables SET pending_mode = NULL, switch_request = NULL WHERE table_name = $1
       RETURNING wal_slot AS slot, wal_publication AS publication`,
      [name],
    );
    return rows[0]!;
  });
  await dropWalObjects(driver, names.slot, names.publication);
  await forgetWalObjects(driver, name);
  return alreadyDone(name, 'trigger');
}
