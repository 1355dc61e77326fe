/**
 * The ClientIds of client Adds already applied (table eas_sync_client_adds). The item sources
 * write on their own connections, so a node can die after an Add is stored and before the Sync
 * state moves on; the device then repeats the request with the same SyncKey and ClientId. Each
 * applied Add is recorded at once (its own statement), and the retry answers the recorded
 * ServerId instead of adding the item a second time.
 */
import type { SqlExecutor } from '../../ports/sql';

export interface ClientAddKey {
  deviceRowId: number;
  collectionId: string;
  /** The SyncKey of the request that carried the Add. */
  syncKey: number;
}

/** The ServerId an Add with this ClientId got under this key, if it was applied. */
export async function recordedAdd(
  db: SqlExecutor,
  key: ClientAddKey,
  clientId: string,
): Promise<string | null> {
  const r = await db.query<{ server_id: string }>(
    `SELECT server_id FROM eas_sync_client_adds
     WHERE device_row_id = $1 AND collection_id = $2 AND sync_key = $3 AND client_id = $4`,
    [key.deviceRowId, key.collectionId, key.syncKey, clientId],
  );
  return r.rows[0]?.server_id ?? null;
}

export async function recordAdd(
  db: SqlExecutor,
  key: ClientAddKey,
  clientId: string,
  serverId: string,
): Promise<void> {
  await db.query(
    `INSERT INTO eas_sync_client_adds (device_row_id, collection_id, sync_key, client_id, server_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (device_row_id, collection_id, sync_key, client_id) DO UPDATE SET server_id = EXCLUDED.server_id`,
    [key.deviceRowId, key.collectionId, key.syncKey, clientId, serverId],
  );
}

/**
 * Forgets the Adds of keys before `keepFrom` (once the state is past them, a repeat under them
 * is answered from the stored last response or refused); with no `keepFrom`, all of the
 * collection's (a new partnership, SyncKey 0).
 */
export async function pruneAdds(
  db: SqlExecutor,
  deviceRowId: number,
  collectionId: string,
  keepFrom?: number,
): Promise<void> {
  await db.query(
    `DELETE FROM eas_sync_client_adds WHERE device_row_id = $1 AND collection_id = $2 AND sync_key < $3`,
    [deviceRowId, collectionId, keepFrom ?? 2_147_483_647],
  );
}
