/**
 * Per-device memory of the last Sync request with collections and of the last Ping's parameters
 * (table eas_sync_cache): an empty Sync (MS-ASCMD §2.2.1.21.1.1) or a Partial one re-uses the
 * collections, an empty Ping (§2.2.1.13) the heartbeat and folders. In SQL, so any node can
 * serve the next request.
 */
import type { SqlExecutor } from '../../ports/sql';
import type { SyncCollectionRequest } from './sync-request';

/** A cached collection: what to sync and how, without its key or commands. */
export type CachedCollection = Omit<SyncCollectionRequest, 'syncKey' | 'commands' | 'supported'>;

export interface CachedSync {
  collections: CachedCollection[];
  wait?: number;
  heartbeatInterval?: number;
  windowSize?: number;
}

export interface PingFolder {
  id: string;
  class: string;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function loadCachedSync(db: SqlExecutor, deviceRowId: number): Promise<CachedSync | null> {
  const r = await db.query<{ sync_request: unknown }>(
    'SELECT sync_request FROM eas_sync_cache WHERE device_row_id = $1',
    [deviceRowId],
  );
  const v = r.rows[0]?.sync_request;
  return v === null || v === undefined ? null : json<CachedSync>(v);
}

export async function saveCachedSync(db: SqlExecutor, deviceRowId: number, sync: CachedSync): Promise<void> {
  await db.query(
    `INSERT INTO eas_sync_cache (device_row_id, sync_request, updated_at) VALUES ($1, $2::jsonb, now())
     ON CONFLICT (device_row_id) DO UPDATE SET sync_request = EXCLUDED.sync_request, updated_at = now()`,
    [deviceRowId, JSON.stringify(sync)],
  );
}

export async function loadPingParams(
  db: SqlExecutor,
  deviceRowId: number,
): Promise<{ heartbeat: number | null; folders: PingFolder[] | null }> {
  const r = await db.query<{ ping_heartbeat: number | null; ping_folders: unknown }>(
    'SELECT ping_heartbeat, ping_folders FROM eas_sync_cache WHERE device_row_id = $1',
    [deviceRowId],
  );
  const row = r.rows[0];
  return {
    heartbeat: row?.ping_heartbeat == null ? null : Number(row.ping_heartbeat),
    folders: row?.ping_folders == null ? null : json<PingFolder[]>(row.ping_folders),
  };
}

export async function savePingParams(
  db: SqlExecutor,
  deviceRowId: number,
  heartbeat: number,
  folders: PingFolder[],
): Promise<void> {
  await db.query(
    `INSERT INTO eas_sync_cache (device_row_id, ping_heartbeat, ping_folders, updated_at) VALUES ($1, $2, $3::jsonb, now())
     ON CONFLICT (device_row_id) DO UPDATE SET ping_heartbeat = EXCLUDED.ping_heartbeat,
       ping_folders = EXCLUDED.ping_folders, updated_at = now()`,
    [deviceRowId, heartbeat, JSON.stringify(folders)],
  );
}
