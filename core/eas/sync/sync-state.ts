/**
 * Sync state per device and collection (table eas_sync_state): the SyncKey, the items the device
 * holds under it (ServerId → version), the options it last sent, and what the last response
 * carried (under `previousKey`), so a device that lost a response and repeats its request with
 * the old key gets the same answer again instead of applying its commands twice.
 */
import type { SqlExecutor } from '../../ports/sql';
import type { StoredOptions } from './sync-options';

/** ServerId → version, as the device holds the collection. */
export type Snapshot = Record<string, string>;

/** A Responses entry of the last answer (Fetch data is rendered again on a replay). */
export type StoredResult =
  | { kind: 'Add'; clientId: string; serverId?: string; status: number }
  | { kind: 'Change' | 'Delete' | 'Fetch'; serverId: string; status: number };

/** What the last response under a key carried, by ServerId. */
export interface LastResponse {
  adds: string[];
  changes: string[];
  deletes: string[];
  softDeletes: string[];
  results: StoredResult[];
  moreAvailable: boolean;
}

export interface SyncState {
  syncKey: number;
  snapshot: Snapshot;
  previousKey: number | null;
  lastResponse: LastResponse | null;
  options: StoredOptions;
  itemClass: string | null;
  /**
   * The airsync:Supported element names of the SyncKey 0 request (MS-ASCMD §2.2.3.168), for
   * ghosting on Changes; null or absent: the device sent none (nothing is ghosted).
   */
  supported?: string[] | null;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

interface Row {
  sync_key: number;
  snapshot: unknown;
  previous_key: number | null;
  last_response: unknown;
  options: unknown;
  item_class: string | null;
  supported: unknown;
}

export async function loadSyncState(
  db: SqlExecutor,
  deviceRowId: number,
  collectionId: string,
  lock = false,
): Promise<SyncState | null> {
  const r = await db.query<Row>(
    `SELECT sync_key, snapshot, previous_key, last_response, options, item_class, supported FROM eas_sync_state
     WHERE device_row_id = $1 AND collection_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [deviceRowId, collectionId],
  );
  const row = r.rows[0];
  if (!row) return null;
  return {
    syncKey: Number(row.sync_key),
    snapshot: json<Snapshot>(row.snapshot),
    previousKey: row.previous_key === null ? null : Number(row.previous_key),
    lastResponse: row.last_response === null ? null : json<LastResponse>(row.last_response),
    options: json<StoredOptions>(row.options),
    itemClass: row.item_class,
    supported: row.supported === null || row.supported === undefined ? null : json<string[]>(row.supported),
  };
}

export async function saveSyncState(
  db: SqlExecutor,
  deviceRowId: number,
  collectionId: string,
  state: SyncState,
): Promise<void> {
  await db.query(
    `INSERT INTO eas_sync_state (device_row_id, collection_id, sync_key, snapshot, previous_key, last_response, options, item_class, supported, updated_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb, $8, $9::jsonb, now())
     ON CONFLICT (device_row_id, collection_id) DO UPDATE SET sync_key = EXCLUDED.sync_key,
       snapshot = EXCLUDED.snapshot, previous_key = EXCLUDED.previous_key,
       last_response = EXCLUDED.last_response, options = EXCLUDED.options,
       item_class = EXCLUDED.item_class, supported = EXCLUDED.supported, updated_at = now()`,
    [
      deviceRowId,
      collectionId,
      state.syncKey,
      JSON.stringify(state.snapshot),
      state.previousKey,
      state.lastResponse === null ? null : JSON.stringify(state.lastResponse),
      JSON.stringify(state.options),
      state.itemClass,
      state.supported ? JSON.stringify(state.supported) : null,
    ],
  );
}

/**
 * Saves `next` only if the stored key is still `expectedKey` (another node may have answered the
 * same device meanwhile); false when it was not, and nothing is written.
 */
export async function advanceSyncState(
  db: SqlExecutor,
  deviceRowId: number,
  collectionId: string,
  expectedKey: number,
  next: SyncState,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const now = await loadSyncState(tx, deviceRowId, collectionId, true);
    if (!now || now.syncKey !== expectedKey) return false;
    await saveSyncState(tx, deviceRowId, collectionId, next);
    return true;
  });
}

/** Only the options (a request that changed nothing else keeps its key). */
export async function saveSyncOptions(
  db: SqlExecutor,
  deviceRowId: number,
  collectionId: string,
  options: StoredOptions,
): Promise<void> {
  await db.query(
    `UPDATE eas_sync_state SET options = $3::jsonb, updated_at = now() WHERE device_row_id = $1 AND collection_id = $2`,
    [deviceRowId, collectionId, JSON.stringify(options)],
  );
}
