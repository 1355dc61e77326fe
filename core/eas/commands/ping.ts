/**
 * Ping (MS-ASCMD §2.2.1.13): a long-held request that answers Status 2 with the folders that
 * have changes for the device (against its Sync state), Status 1 when the heartbeat runs out,
 * Status 7 when a folder is no longer in its hierarchy. Heartbeat and folders are remembered per
 * device, so an empty Ping re-uses them (Status 3 when there is nothing to re-use). Woken by the
 * events port, with a periodic re-check (core/eas/sync/wait-for-changes.ts).
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { pendingCount } from '../sync/pending';
import { loadPingParams, savePingParams, type PingFolder } from '../sync/sync-cache';
import { deviceFolderIds, resolveCollection, type SyncContext } from '../sync/sync-engine';
import { loadSyncState } from '../sync/sync-state';
import { HIERARCHY, waitForChanges } from '../sync/wait-for-changes';
import { child, childrenNamed, el, textAt, type EasElement } from '../wbxml/tree';
import { pingSettings } from './ping-settings';

/** Ping Status values (MS-ASCMD §2.2.3.177.12). */
export const PingStatus = {
  Expired: 1,
  Changes: 2,
  MissingParameters: 3,
  ProtocolError: 4,
  HeartbeatOutOfBounds: 5,
  TooManyFolders: 6,
  HierarchyChanged: 7,
  ServerError: 8,
} as const;

const CLASSES = new Set(['Email', 'Calendar', 'Contacts', 'Tasks', 'Notes', 'SMS']);
const ID = /^[A-Za-z0-9:_-]{1,128}$/;

const p = (name: string, ...content: (EasElement | string | number | null | undefined | false)[]) =>
  el('Ping', name, ...content);
const pingReply = (status: number, ...extra: EasElement[]) => reply(p('Ping', p('Status', status), ...extra));

export interface PingRequest {
  heartbeat?: number;
  folders?: PingFolder[];
}

/** The request's fields, or null when malformed (Status 4). */
export function parsePing(body: EasElement | null): PingRequest | null {
  if (body === null) return {};
  if (body.name !== 'Ping') return null;
  const out: PingRequest = {};
  const hb = textAt(body, 'HeartbeatInterval');
  if (hb !== undefined) {
    if (!/^[0-9]{1,9}$/.test(hb.trim())) return null;
    out.heartbeat = Number(hb.trim());
  }
  const folders = child(body, 'Folders');
  if (folders) {
    const list: PingFolder[] = [];
    for (const f of childrenNamed(folders, 'Folder')) {
      const id = textAt(f, 'Id')?.trim();
      const cls = textAt(f, 'Class')?.trim();
      if (!id || !ID.test(id) || !cls || !CLASSES.has(cls)) return null;
      if (!list.some((x) => x.id === id)) list.push({ id, class: cls });
    }
    if (list.length > 0) out.folders = list;
  }
  return out;
}

type Outcome = { status: 2; folders: string[] } | { status: 7 };

async function check(
  ctx: SyncContext,
  folders: PingFolder[],
  touched: ReadonlySet<string>,
  hierarchy: boolean,
) {
  const changed: string[] = [];
  const known = await deviceFolderIds(ctx);
  for (const f of folders) {
    const resolved = hierarchy ? await resolveCollection(ctx, f.id, known) : null;
    if (hierarchy && !resolved) return { status: 7 } as Outcome;
    const state = await loadSyncState(ctx.db, ctx.deviceRowId, f.id);
    if (!state) {
      // Never synced: only a change seen while waiting counts.
      if (touched.has(f.id)) changed.push(f.id);
      continue;
    }
    const r = resolved ?? (await resolveCollection(ctx, f.id, known));
    if (!r) return { status: 7 } as Outcome;
    if ((await pendingCount(r.source, ctx.accountId, f.id, r.itemClass, state)) > 0) changed.push(f.id);
  }
  return changed.length > 0 ? ({ status: 2, folders: changed } as Outcome) : null;
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const settings = pingSettings(request.deps);
  const parsed = parsePing(request.body);
  if (!parsed) return pingReply(PingStatus.ProtocolError);
  const { db } = request.deps;
  const stored =
    parsed.heartbeat === undefined || parsed.folders === undefined
      ? await loadPingParams(db, request.device.id)
      : null;
  const heartbeat = parsed.heartbeat ?? stored?.heartbeat ?? undefined;
  const folders = parsed.folders ?? stored?.folders ?? undefined;
  if (heartbeat === undefined || folders === undefined || folders.length === 0)
    return pingReply(PingStatus.MissingParameters);
  if (folders.length > settings.maxFolders)
    return pingReply(PingStatus.TooManyFolders, p('MaxFolders', settings.maxFolders));
  if (heartbeat < settings.minHeartbeatSeconds || heartbeat > settings.maxHeartbeatSeconds) {
    const bound =
      heartbeat < settings.minHeartbeatSeconds ? settings.minHeartbeatSeconds : settings.maxHeartbeatSeconds;
    return pingReply(PingStatus.HeartbeatOutOfBounds, p('HeartbeatInterval', bound));
  }
  if (parsed.heartbeat !== undefined || parsed.folders !== undefined)
    await savePingParams(db, request.device.id, heartbeat, folders);

  const ctx: SyncContext = {
    db,
    accountId: request.account.id,
    deviceRowId: request.device.id,
    version: request.version,
    sources: request.deps.items,
  };
  let first = true;
  const result = await waitForChanges<Outcome>({
    events: request.deps.events,
    accountId: request.account.id,
    collectionIds: folders.map((f) => f.id),
    timeoutMs: heartbeat * 1000,
    recheckMs: settings.recheckSeconds * 1000,
    check: async (touched) => {
      const hierarchy = first || touched.has(HIERARCHY);
      first = false;
      return check(ctx, folders, touched, hierarchy);
    },
  });
  if (!result) return pingReply(PingStatus.Expired);
  if (result.status === 7) return pingReply(PingStatus.HierarchyChanged);
  return pingReply(PingStatus.Changes, p('Folders', ...result.folders.map((id) => p('Folder', id))));
}

export const pingCommand: EasCommand = {
  name: 'Ping',
  root: { namespace: 'Ping', name: 'Ping' },
  needsPolicy: true,
  handle,
};
