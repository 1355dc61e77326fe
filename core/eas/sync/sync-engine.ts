/**
 * One collection of a Sync request: the SyncKey checked against the device's state, the client's
 * commands applied through the folder's item source, the server's changes computed from the
 * source's versions against the device's snapshot, windowed, rendered, and the new state saved
 * under a new key (only if the stored key is still the one this answer is based on, so two
 * nodes answering one device cannot both advance it). The item sources use their own
 * connections, so no transaction is held while they run.
 */
import type { SqlDatabase } from '../../ports/sql';
import { loadFolderState } from '../folder-state';
import { pruneAdds, recordAdd, recordedAdd } from './client-adds';
import { versionAtLeast, type ProtocolVersion } from '../protocol';
import type { EasElement } from '../wbxml/tree';
import {
  sourceFor,
  type EasClass,
  type EasItemSource,
  type ItemVersions,
  type RenderOptions,
} from './item-source';
import { applyWindow, pendingChanges, takeWindow, type PendingChanges } from './sync-changes';
import { filterTypeFor, mergeOptions, renderOptions, type StoredOptions } from './sync-options';
import type { ClientCommand, SyncCollectionRequest } from './sync-request';
import {
  collectionElement,
  collectionStatus,
  noCommands,
  resultElement,
  SyncStatus,
  type ServerCommands,
} from './sync-response';
import {
  advanceSyncState,
  loadSyncState,
  saveSyncOptions,
  saveSyncState,
  type LastResponse,
  type Snapshot,
  type StoredResult,
  type SyncState,
} from './sync-state';

export interface SyncContext {
  db: SqlDatabase;
  accountId: number;
  deviceRowId: number;
  version: ProtocolVersion;
  sources: readonly EasItemSource[];
}

export interface CollectionOutcome {
  element: EasElement;
  status: number;
  /** Something was sent or applied (a hanging Sync waits only when nothing was). */
  changed: boolean;
  /** Changes put in this answer (counts against a request-wide WindowSize). */
  sent: number;
}

export const DEFAULT_WINDOW_SIZE = 100;
export const MAX_WINDOW_SIZE = 512;

/** The folders the device holds from FolderSync. */
export async function deviceFolderIds(ctx: Pick<SyncContext, 'db' | 'deviceRowId'>): Promise<Set<string>> {
  const folders = await loadFolderState(ctx.db, ctx.deviceRowId);
  return new Set(folders ? Object.keys(folders.folders) : []);
}

/** The folder's source and class, or null when it is not (or no longer) one of the device's folders. */
export async function resolveCollection(
  ctx: Pick<SyncContext, 'db' | 'accountId' | 'deviceRowId' | 'sources'>,
  collectionId: string,
  /** The device's FolderSync ServerIds, when the caller has them (Ping checks many folders). */
  known?: ReadonlySet<string>,
): Promise<{ source: EasItemSource; itemClass: EasClass } | null> {
  const source = sourceFor(ctx.sources, collectionId);
  if (!source) return null;
  const ids = known ?? (await deviceFolderIds(ctx));
  if (!ids.has(collectionId)) return null;
  const itemClass = await source.classOf(ctx.accountId, collectionId);
  return itemClass ? { source, itemClass } : null;
}

/** The versions in the FilterType window, and (with a filter) all of them, for SoftDeletes. */
export async function folderVersions(
  source: EasItemSource,
  accountId: number,
  collectionId: string,
  filterType: number,
): Promise<{ inWindow: ItemVersions; all?: ItemVersions }> {
  const inWindow = await source.versions(accountId, collectionId, filterType);
  if (filterType === 0) return { inWindow };
  return { inWindow, all: await source.versions(accountId, collectionId, 0) };
}

const outcome = (element: EasElement, status: number, changed = false, sent = 0): CollectionOutcome => ({
  element,
  status,
  changed,
  sent,
});

async function render(
  ctx: SyncContext,
  source: EasItemSource,
  collectionId: string,
  ids: string[],
  options: RenderOptions,
): Promise<Map<string, EasElement>> {
  if (ids.length === 0) return new Map();
  return source.applicationData(ctx.accountId, collectionId, ids, options);
}

interface Applied {
  results: StoredResult[];
  /** ServerIds the client added or changed (their new version goes into the snapshot). */
  touched: Set<string>;
  removed: Set<string>;
  fetches: string[];
}

async function applyCommands(
  ctx: SyncContext,
  source: EasItemSource,
  collectionId: string,
  itemClass: EasClass,
  commands: ClientCommand[],
  held: Snapshot,
  now: ItemVersions,
  opts: { deletesAsMoves: boolean; conflict: number; syncKey: number; supported?: string[] },
): Promise<Applied> {
  const out: Applied = { results: [], touched: new Set(), removed: new Set(), fetches: [] };
  const ownItem = (serverId: string) => serverId.startsWith(`${collectionId}:`);
  for (const c of commands) {
    if (c.kind === 'Fetch') {
      out.fetches.push(c.serverId);
      continue;
    }
    if (c.kind === 'Add') {
      // Email Adds are drafts, which only 16.x devices may create (MS-ASEMAIL 16.0).
      if (itemClass === 'Email' && !versionAtLeast(ctx.version, '16.0')) {
        out.results.push({ kind: 'Add', clientId: c.clientId, status: SyncStatus.ConversionError });
        continue;
      }
      // A repeat of a request whose Add was applied before its state was saved: the same item.
      const key = { deviceRowId: ctx.deviceRowId, collectionId, syncKey: opts.syncKey };
      const done = await recordedAdd(ctx.db, key, c.clientId);
      if (done !== null) {
        out.touched.add(done);
        out.results.push({ kind: 'Add', clientId: c.clientId, serverId: done, status: SyncStatus.Success });
        continue;
      }
      const r = await source.add(ctx.accountId, collectionId, c.data, ctx.version);
      if (r.status === SyncStatus.Success && r.serverId) {
        await recordAdd(ctx.db, key, c.clientId, r.serverId);
        out.touched.add(r.serverId);
      }
      out.results.push({ kind: 'Add', clientId: c.clientId, serverId: r.serverId, status: r.status });
      continue;
    }
    if (!ownItem(c.serverId)) {
      out.results.push({ kind: c.kind, serverId: c.serverId, status: SyncStatus.ObjectNotFound });
      continue;
    }
    if (c.kind === 'Change') {
      const serverChanged =
        held[c.serverId] !== undefined && now.has(c.serverId) && now.get(c.serverId) !== held[c.serverId];
      if (serverChanged && opts.conflict !== 0) {
        // Server wins: the client's change is dropped and the server's version goes out as a Change.
        out.results.push({ kind: 'Change', serverId: c.serverId, status: SyncStatus.Conflict });
        continue;
      }
      const r = await source.change(
        ctx.accountId,
        collectionId,
        c.serverId,
        c.data,
        ctx.version,
        opts.supported,
      );
      if (r.status === SyncStatus.Success) out.touched.add(c.serverId);
      else out.results.push({ kind: 'Change', serverId: c.serverId, status: r.status });
      continue;
    }
    const r = await source.remove(ctx.accountId, collectionId, c.serverId, {
      deletesAsMoves: opts.deletesAsMoves,
    });
    if (r.status === SyncStatus.Success) out.removed.add(c.serverId);
    else out.results.push({ kind: 'Delete', serverId: c.serverId, status: r.status });
  }
  return out;
}

/** Results as elements, with Fetch data rendered (missing items: Status 8). */
async function resultElements(
  ctx: SyncContext,
  source: EasItemSource,
  collectionId: string,
  results: StoredResult[],
  options: RenderOptions,
): Promise<EasElement[]> {
  const fetchIds = results.filter((r) => r.kind === 'Fetch' && r.status === 1).map((r) => r.serverId!);
  const data = await render(
    ctx,
    source,
    collectionId,
    fetchIds.filter((id) => id.startsWith(`${collectionId}:`)),
    options,
  );
  return results.map((r) => {
    if (r.kind !== 'Fetch' || r.status !== 1) return resultElement(r);
    const d = data.get(r.serverId);
    return d ? resultElement(r, d) : resultElement({ ...r, status: SyncStatus.ObjectNotFound });
  });
}

/** The server's commands for a window, rendered; items gone meanwhile are left out of both. */
async function serverCommands(
  ctx: SyncContext,
  source: EasItemSource,
  collectionId: string,
  window: PendingChanges,
  options: RenderOptions,
): Promise<{ commands: ServerCommands; window: PendingChanges }> {
  const data = await render(ctx, source, collectionId, [...window.adds, ...window.changes], options);
  const commands = noCommands();
  const kept: PendingChanges = { ...window, adds: [], changes: [] };
  for (const kind of ['adds', 'changes'] as const)
    for (const serverId of window[kind]) {
      const d = data.get(serverId);
      if (!d) continue;
      commands[kind].push({ serverId, data: d });
      kept[kind].push(serverId);
    }
  commands.deletes = window.deletes;
  commands.softDeletes = window.softDeletes;
  return { commands, window: kept };
}

/** A repeated request under the previous key: the last answer again, nothing applied twice. */
async function replay(
  ctx: SyncContext,
  source: EasItemSource,
  req: SyncCollectionRequest,
  state: SyncState,
  last: LastResponse,
): Promise<CollectionOutcome> {
  const options = renderOptions(state.options, ctx.version);
  const window: PendingChanges = {
    adds: last.adds,
    changes: last.changes,
    deletes: last.deletes,
    softDeletes: last.softDeletes,
  };
  const { commands } = await serverCommands(ctx, source, req.collectionId, window, options);
  const results = await resultElements(ctx, source, req.collectionId, last.results, options);
  const element = collectionElement(state.syncKey, req.collectionId, SyncStatus.Success, {
    results,
    commands,
    more: last.moreAvailable,
  });
  return outcome(element, SyncStatus.Success, true, window.adds.length + window.changes.length);
}

/** SyncKey 0: a new partnership, no items yet (the device asks again with the new key). */
async function start(
  ctx: SyncContext,
  req: SyncCollectionRequest,
  itemClass: EasClass,
  state: SyncState | null,
): Promise<CollectionOutcome> {
  const syncKey = (state?.syncKey ?? 0) + 1;
  const options = mergeOptions({}, req.options, itemClass);
  // Adds recorded under an earlier partnership mean nothing under this one.
  await pruneAdds(ctx.db, ctx.deviceRowId, req.collectionId);
  await saveSyncState(ctx.db, ctx.deviceRowId, req.collectionId, {
    syncKey,
    snapshot: {},
    previousKey: null,
    lastResponse: null,
    options,
    itemClass,
    // Ghosting applies to the PIM classes only (MS-ASCNTC, MS-ASCAL); mail has no Supported.
    supported: itemClass === 'Email' ? null : (req.supported ?? null),
  });
  return outcome(collectionElement(syncKey, req.collectionId, SyncStatus.Success), SyncStatus.Success, true);
}

export async function syncCollection(
  ctx: SyncContext,
  req: SyncCollectionRequest,
  /** What is left of a request-wide WindowSize (it also replaces the default of 100). */
  budget: { left: number; requestWide: boolean },
): Promise<CollectionOutcome> {
  const id = req.collectionId;
  const failed = (status: number) => outcome(collectionStatus(req.syncKey, id, status), status);
  const resolved = await resolveCollection(ctx, id);
  if (!resolved) return failed(SyncStatus.HierarchyChanged);
  const { source, itemClass } = resolved;
  const state = await loadSyncState(ctx.db, ctx.deviceRowId, id);
  if (req.syncKey === '0') {
    if (req.commands.length > 0) return failed(SyncStatus.ProtocolError);
    return start(ctx, req, itemClass, state);
  }
  if (!state) return failed(SyncStatus.InvalidSyncKey);
  if (state.previousKey !== null && req.syncKey === String(state.previousKey) && state.lastResponse)
    return replay(ctx, source, req, state, state.lastResponse);
  if (req.syncKey !== String(state.syncKey)) return failed(SyncStatus.InvalidSyncKey);

  const options: StoredOptions = mergeOptions(state.options, req.options, itemClass);
  const filterType = filterTypeFor(options, itemClass);
  const rendering = renderOptions(options, ctx.version);
  let versions = await folderVersions(source, ctx.accountId, id, filterType);
  const applied = await applyCommands(
    ctx,
    source,
    id,
    itemClass,
    req.commands,
    state.snapshot,
    versions.inWindow,
    {
      deletesAsMoves: req.deletesAsMoves ?? true,
      conflict: options.conflict ?? 1,
      syncKey: state.syncKey,
      supported: state.supported ?? undefined,
    },
  );
  const snapshot: Snapshot = { ...state.snapshot };
  if (applied.touched.size > 0 || applied.removed.size > 0) {
    versions = await folderVersions(source, ctx.accountId, id, filterType);
    for (const sid of applied.removed) delete snapshot[sid];
    for (const sid of applied.touched) {
      const v = versions.inWindow.get(sid);
      if (v !== undefined) snapshot[sid] = v;
    }
  }
  const results: StoredResult[] = [
    ...applied.results,
    ...applied.fetches.map((serverId): StoredResult => ({ kind: 'Fetch', serverId, status: 1 })),
  ];

  const own = req.windowSize || (budget.requestWide ? budget.left : DEFAULT_WINDOW_SIZE);
  const wanted = Math.min(own, MAX_WINDOW_SIZE, Math.max(budget.left, 0));
  const pending =
    req.getChanges === false
      ? { adds: [], changes: [], deletes: [], softDeletes: [] }
      : pendingChanges(snapshot, versions.inWindow, versions.all);
  const taken = takeWindow(pending, wanted);
  const { commands, window } = await serverCommands(ctx, source, id, taken.window, rendering);
  const sent = window.adds.length + window.changes.length + window.deletes.length + window.softDeletes.length;
  const resultEls = await resultElements(ctx, source, id, results, rendering);

  if (sent === 0 && req.commands.length === 0) {
    // Nothing to say: the same key again (so a lost answer costs nothing), options kept.
    if (JSON.stringify(options) !== JSON.stringify(state.options))
      await saveSyncOptions(ctx.db, ctx.deviceRowId, id, options);
    return outcome(collectionElement(state.syncKey, id, SyncStatus.Success, { more: taken.more }), 1, false);
  }
  const next: SyncState = {
    syncKey: state.syncKey + 1,
    snapshot: applyWindow(snapshot, window, versions.inWindow),
    previousKey: state.syncKey,
    lastResponse: { ...window, results, moreAvailable: taken.more },
    options,
    itemClass,
    supported: state.supported ?? null,
  };
  if (!(await advanceSyncState(ctx.db, ctx.deviceRowId, id, state.syncKey, next)))
    return failed(SyncStatus.Retry);
  // A repeat under the new previous key is a replay; older Adds cannot be asked about again.
  // Best effort: rows a failed prune leaves are pruned on the next advance.
  await pruneAdds(ctx.db, ctx.deviceRowId, id, state.syncKey).catch(() => undefined);
  const element = collectionElement(next.syncKey, id, SyncStatus.Success, {
    results: resultEls,
    commands,
    more: taken.more,
  });
  return outcome(element, SyncStatus.Success, true, sent);
}
