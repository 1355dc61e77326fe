/**
 * FolderSync state per device (table eas_folder_state): the hierarchy the device holds under its
 * SyncKey, and the one before, so a device that lost a response can repeat its request (MS-ASCMD
 * FolderSync: the previous key stays valid until the new one is used).
 */
import type { SqlExecutor } from '../ports/sql';
import type { EasFolder } from './folders';

export type FolderSnapshot = Record<string, Omit<EasFolder, 'serverId'>>;

export interface FolderState {
  syncKey: number;
  folders: FolderSnapshot;
  previousKey: number | null;
  previousFolders: FolderSnapshot | null;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function loadFolderState(
  tx: SqlExecutor,
  deviceRowId: number,
  lock = false,
): Promise<FolderState | null> {
  const r = await tx.query<{
    sync_key: number;
    folders: unknown;
    previous_key: number | null;
    previous_folders: unknown;
  }>(
    `SELECT sync_key, folders, previous_key, previous_folders FROM eas_folder_state WHERE device_row_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [deviceRowId],
  );
  const row = r.rows[0];
  if (!row) return null;
  return {
    syncKey: Number(row.sync_key),
    folders: json<FolderSnapshot>(row.folders),
    previousKey: row.previous_key === null ? null : Number(row.previous_key),
    previousFolders: row.previous_folders === null ? null : json<FolderSnapshot>(row.previous_folders),
  };
}

export async function saveFolderState(
  tx: SqlExecutor,
  deviceRowId: number,
  state: FolderState,
): Promise<void> {
  await tx.query(
    `INSERT INTO eas_folder_state (device_row_id, sync_key, folders, previous_key, previous_folders, updated_at)
     VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, now())
     ON CONFLICT (device_row_id) DO UPDATE SET sync_key = EXCLUDED.sync_key, folders = EXCLUDED.folders,
       previous_key = EXCLUDED.previous_key, previous_folders = EXCLUDED.previous_folders, updated_at = now()`,
    [
      deviceRowId,
      state.syncKey,
      JSON.stringify(state.folders),
      state.previousKey,
      state.previousFolders === null ? null : JSON.stringify(state.previousFolders),
    ],
  );
}

export function snapshotOf(folders: EasFolder[]): FolderSnapshot {
  return Object.fromEntries(folders.map(({ serverId, ...rest }) => [serverId, rest]));
}

/**
 * After FolderCreate/Update/Delete: if the device's key is still `expectedKey`, apply `change` to
 * its snapshot under a new key and return that key; null when the key does not match (Status 9).
 */
export async function advanceFolderState(
  db: SqlExecutor,
  deviceRowId: number,
  expectedKey: string,
  change: (folders: FolderSnapshot) => void,
): Promise<number | null> {
  return db.transaction(async (tx) => {
    const state = await loadFolderState(tx, deviceRowId, true);
    if (!state || String(state.syncKey) !== expectedKey) return null;
    const folders = structuredClone(state.folders);
    change(folders);
    const syncKey = state.syncKey + 1;
    await saveFolderState(tx, deviceRowId, {
      syncKey,
      folders,
      previousKey: state.syncKey,
      previousFolders: state.folders,
    });
    return syncKey;
  });
}

/** Whether `key` is the device's current FolderSync key (FolderCreate & co. check it first). */
export async function folderKeyIsCurrent(
  db: SqlExecutor,
  deviceRowId: number,
  key: string,
): Promise<boolean> {
  const state = await loadFolderState(db, deviceRowId);
  return state !== null && String(state.syncKey) === key;
}
