/**
 * FolderSync (MS-ASCMD §2.2.1.5): the changes between the hierarchy the device holds (under its
 * SyncKey) and the account's folders now. SyncKey "0" starts over with every folder as an Add;
 * a key that is neither the current nor the previous one is Status 9 (the device must resync).
 */
import { MailboxAdmin } from '../../store/mailbox-admin';
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { loadFolderState, saveFolderState, snapshotOf, type FolderSnapshot } from '../folder-state';
import { currentFolders, type EasFolder } from '../folders';
import { el, textAt, type EasElement } from '../wbxml/tree';

/** FolderSync Status values (MS-ASCMD §2.2.3.177.5). */
export const FolderSyncStatus = { Success: 1, ServerError: 6, InvalidSyncKey: 9, BadRequest: 10 } as const;

const fh = (name: string, ...content: (EasElement | string | number | null)[]) =>
  el('FolderHierarchy', name, ...content);
export const folderSyncStatus = (code: number) => reply(fh('FolderSync', fh('Status', code)));

function folderElement(tag: 'Add' | 'Update', f: EasFolder): EasElement {
  return fh(
    tag,
    fh('ServerId', f.serverId),
    fh('ParentId', f.parentId),
    fh('DisplayName', f.displayName),
    fh('Type', f.type),
  );
}

/** Updates, deletes and adds (parents before children: folders come sorted by name). */
export function hierarchyChanges(before: FolderSnapshot, now: EasFolder[]): EasElement[] {
  const updates: EasElement[] = [];
  const adds: EasElement[] = [];
  const present = new Set<string>();
  for (const f of now) {
    present.add(f.serverId);
    const old = before[f.serverId];
    if (!old) adds.push(folderElement('Add', f));
    else if (old.parentId !== f.parentId || old.displayName !== f.displayName || old.type !== f.type)
      updates.push(folderElement('Update', f));
  }
  const deletes = Object.keys(before)
    .filter((id) => !present.has(id))
    .map((id) => fh('Delete', fh('ServerId', id)));
  return [...updates, ...deletes, ...adds];
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const key = textAt(request.body ?? undefined, 'SyncKey');
  if (request.body?.name !== 'FolderSync' || key === undefined || !/^[0-9]{1,9}$/.test(key))
    return folderSyncStatus(FolderSyncStatus.BadRequest);
  const { db, events } = request.deps;
  const now = await currentFolders(new MailboxAdmin(db, events), request.account.id, request.deps.pim);
  const snapshot = snapshotOf(now);
  return db.transaction(async (tx) => {
    const state = await loadFolderState(tx, request.device.id, true);
    let base: FolderSnapshot;
    let syncKey: number;
    let previous: { key: number | null; folders: FolderSnapshot | null };
    if (key === '0') {
      base = {};
      syncKey = (state?.syncKey ?? 0) + 1;
      previous = { key: null, folders: null };
    } else if (state && key === String(state.syncKey)) {
      base = state.folders;
      syncKey = state.syncKey + 1;
      previous = { key: state.syncKey, folders: state.folders };
    } else if (state && state.previousKey !== null && key === String(state.previousKey)) {
      // The device never got our last answer: the same key again, from the hierarchy it still has.
      base = state.previousFolders ?? {};
      syncKey = state.syncKey;
      previous = { key: state.previousKey, folders: state.previousFolders };
    } else return folderSyncStatus(FolderSyncStatus.InvalidSyncKey);
    const changes = hierarchyChanges(base, now);
    if (changes.length === 0 && key !== '0' && state && key === String(state.syncKey)) {
      return reply(fh('FolderSync', fh('Status', 1), fh('SyncKey', key), fh('Changes', fh('Count', 0))));
    }
    await saveFolderState(tx, request.device.id, {
      syncKey,
      folders: snapshot,
      previousKey: previous.key,
      previousFolders: previous.folders,
    });
    return reply(
      fh(
        'FolderSync',
        fh('Status', 1),
        fh('SyncKey', syncKey),
        fh('Changes', fh('Count', changes.length), ...changes),
      ),
    );
  });
}

export const folderSyncCommand: EasCommand = {
  name: 'FolderSync',
  root: { namespace: 'FolderHierarchy', name: 'FolderSync' },
  needsPolicy: true,
  handle,
};
