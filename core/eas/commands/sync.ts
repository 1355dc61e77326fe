/**
 * Sync (MS-ASCMD §2.2.1.21): each collection of the request through the engine
 * (core/eas/sync/sync-engine.ts), a request-wide WindowSize shared out, an empty or Partial
 * request completed from the device's last one, and the hanging sync: with Wait or
 * HeartbeatInterval and nothing to send, the answer waits for a change (as Ping does) and is
 * an empty 200 when none comes.
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { loadCachedSync, saveCachedSync, type CachedSync } from '../sync/sync-cache';
import {
  MAX_WINDOW_SIZE,
  syncCollection,
  type CollectionOutcome,
  type SyncContext,
} from '../sync/sync-engine';
import { SyncProtocolError } from '../sync/sync-options';
import {
  DEFAULT_SYNC_REQUEST_LIMITS,
  parseSyncRequest,
  type SyncCollectionRequest,
  type SyncRequest,
} from '../sync/sync-request';
import { as, collectionStatus, SyncStatus, syncStatus } from '../sync/sync-response';
import { loadSyncState } from '../sync/sync-state';
import { waitForChanges } from '../sync/wait-for-changes';
import { pingSettings } from './ping-settings';

const cacheOf = (r: SyncRequest, collections: SyncCollectionRequest[]): CachedSync => ({
  // Supported counts with SyncKey 0 only and lives in the Sync state, not in the cache.
  collections: collections.map(
    ({ syncKey: _k, commands: _c, supported: _s, ...rest }) => (void _k, void _c, void _s, rest),
  ),
  wait: r.wait,
  heartbeatInterval: r.heartbeatInterval,
  windowSize: r.windowSize,
});

/** The collections to sync: the request's, completed from the cache (empty or Partial request). */
async function collectionsOf(
  request: EasRequest,
  parsed: SyncRequest,
): Promise<{ collections: SyncCollectionRequest[]; cached: CachedSync | null } | null> {
  const given = parsed.collections;
  if (given !== null && !parsed.partial) return { collections: given, cached: null };
  const cached = await loadCachedSync(request.deps.db, request.device.id);
  if (!cached) return given && given.length > 0 ? { collections: given, cached: null } : null;
  const out: SyncCollectionRequest[] = [...(given ?? [])];
  for (const c of cached.collections) {
    if (out.some((g) => g.collectionId === c.collectionId)) continue;
    // The cached collection at the key the device last received from us.
    const state = await loadSyncState(request.deps.db, request.device.id, c.collectionId);
    if (state) out.push({ ...c, syncKey: String(state.syncKey), commands: [] });
  }
  return { collections: out, cached };
}

/** The hanging-sync interval in ms, or a Status 14 with the Limit (MS-ASCMD §2.2.3.97). */
function hangingInterval(request: EasRequest, parsed: SyncRequest, cached: CachedSync | null) {
  const { minHeartbeatSeconds: min, maxHeartbeatSeconds: max } = request.deps.ping;
  const wait = parsed.wait ?? (parsed.heartbeatInterval === undefined ? cached?.wait : undefined);
  const heartbeat =
    parsed.heartbeatInterval ?? (parsed.wait === undefined ? cached?.heartbeatInterval : undefined);
  if (wait !== undefined) {
    const lo = Math.max(1, Math.ceil(min / 60));
    const hi = Math.min(59, Math.floor(max / 60));
    if (wait < lo || wait > hi) return { limit: wait < lo ? lo : hi };
    return { ms: wait * 60_000 };
  }
  if (heartbeat !== undefined) {
    if (heartbeat < min || heartbeat > max) return { limit: heartbeat < min ? min : max };
    return { ms: heartbeat * 1000 };
  }
  return {};
}

async function runAll(
  ctx: SyncContext,
  collections: SyncCollectionRequest[],
  windowSize: number | undefined,
) {
  let budget = windowSize ?? MAX_WINDOW_SIZE * collections.length;
  const outcomes: CollectionOutcome[] = [];
  for (const c of collections) {
    let o: CollectionOutcome;
    try {
      o = await syncCollection(ctx, c, { left: budget, requestWide: windowSize !== undefined });
    } catch {
      // One folder's store failing is that collection's Status 5 (retry later); the others still sync.
      o = {
        element: collectionStatus(c.syncKey, c.collectionId, SyncStatus.ServerError),
        status: 5,
        changed: false,
        sent: 0,
      };
    }
    budget -= o.sent;
    outcomes.push(o);
  }
  return outcomes;
}

async function handle(request: EasRequest): Promise<EasResponse> {
  let parsed: SyncRequest;
  try {
    const { limits } = request.deps;
    parsed = parseSyncRequest(request.body, {
      maxCollections: limits?.maxSyncCollections ?? DEFAULT_SYNC_REQUEST_LIMITS.maxCollections,
      maxCommands: limits?.maxSyncCommands ?? DEFAULT_SYNC_REQUEST_LIMITS.maxCommands,
    });
  } catch (error) {
    if (error instanceof SyncProtocolError) return reply(syncStatus(SyncStatus.ProtocolError));
    throw error;
  }
  const { db } = request.deps;
  const found = await collectionsOf(request, parsed);
  if (!found || found.collections.length === 0) return reply(syncStatus(SyncStatus.IncompleteRequest));
  const { collections, cached } = found;
  const hanging = hangingInterval(request, parsed, cached);
  if (hanging.limit !== undefined) return reply(syncStatus(SyncStatus.InvalidWaitOrHeartbeat, hanging.limit));
  if (parsed.collections !== null) await saveCachedSync(db, request.device.id, cacheOf(parsed, collections));

  const ctx: SyncContext = {
    db,
    accountId: request.account.id,
    deviceRowId: request.device.id,
    version: request.version,
    sources: request.deps.items,
  };
  const requestWide = parsed.windowSize ?? cached?.windowSize;
  const windowSize = requestWide === undefined ? undefined : Math.min(requestWide, MAX_WINDOW_SIZE);
  let outcomes = await runAll(ctx, collections, windowSize);
  const quiet = (list: CollectionOutcome[]) =>
    list.every((o) => !o.changed && o.status === SyncStatus.Success);
  if (hanging.ms !== undefined && quiet(outcomes)) {
    // Nothing to send: wait for a change in these folders, then answer with it (or nothing).
    let first = true;
    const again = await waitForChanges({
      events: request.deps.events,
      accountId: request.account.id,
      collectionIds: collections.map((c) => c.collectionId),
      timeoutMs: hanging.ms,
      recheckMs: pingSettings(request.deps).recheckSeconds * 1000,
      check: async () => {
        // The first check is the answer just computed.
        if (first) return ((first = false), null);
        const fresh = collections.map((c) => ({ ...c, commands: [] }));
        const list = await runAll(ctx, fresh, windowSize);
        return quiet(list) ? null : list;
      },
    });
    if (!again) return reply(null);
    outcomes = again;
  }
  return reply(as('Sync', as('Collections', ...outcomes.map((o) => o.element))));
}

export const syncCommand: EasCommand = {
  name: 'Sync',
  root: { namespace: 'AirSync', name: 'Sync' },
  needsPolicy: true,
  handle,
};
