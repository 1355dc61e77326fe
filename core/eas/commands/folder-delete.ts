/** FolderDelete (MS-ASCMD §2.2.1.2): a mail folder and, as ActiveSync expects, its subfolders. */
import type { EasCommand, EasRequest, EasResponse } from '../command';
import { advanceFolderState } from '../folder-state';
import { mailServerId } from '../folders';
import {
  folderReply,
  folderRequest,
  FolderStatus,
  isSystemMailbox,
  keyIsCurrent,
  mailboxAdmin,
  ownMailbox,
  syncKeyElement,
} from './folder-common';

const COMMAND = 'FolderDelete';

async function handle(request: EasRequest): Promise<EasResponse> {
  const parsed = folderRequest(request, COMMAND, 'ServerId');
  if (!parsed || !parsed.values.ServerId) return folderReply(COMMAND, FolderStatus.BadRequest);
  if (!(await keyIsCurrent(request, parsed.key))) return folderReply(COMMAND, FolderStatus.InvalidSyncKey);
  const mailbox = await ownMailbox(request, parsed.values.ServerId);
  if (!mailbox) return folderReply(COMMAND, FolderStatus.NotFound);
  if (isSystemMailbox(mailbox)) return folderReply(COMMAND, FolderStatus.SystemFolder);
  const admin = mailboxAdmin(request);
  // Deepest first: the store refuses to delete a mailbox that still has children.
  const doomed = (await admin.list(request.account.id))
    .filter((r) => r.name === mailbox.name || r.name.startsWith(mailbox.name + '/'))
    .sort((a, b) => b.name.length - a.name.length);
  for (const row of doomed) {
    const result = await admin.delete(request.account.id, row.name);
    if (!result.ok && result.reason !== 'nonexistent') return folderReply(COMMAND, FolderStatus.ServerError);
  }
  const key = await advanceFolderState(request.deps.db, request.device.id, parsed.key, (folders) => {
    for (const row of doomed) delete folders[mailServerId(Number(row.id))];
  });
  if (key === null) return folderReply(COMMAND, FolderStatus.InvalidSyncKey);
  return folderReply(COMMAND, FolderStatus.Success, syncKeyElement(key));
}

export const folderDeleteCommand: EasCommand = {
  name: COMMAND,
  root: { namespace: 'FolderHierarchy', name: COMMAND },
  needsPolicy: true,
  handle,
};
