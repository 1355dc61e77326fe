/** FolderUpdate (MS-ASCMD §2.2.1.4): rename and/or move a mail folder (its subfolders follow). */
import type { EasCommand, EasRequest, EasResponse } from '../command';
import { advanceFolderState } from '../folder-state';
import {
  folderReply,
  folderRequest,
  FolderStatus,
  isSystemMailbox,
  keyIsCurrent,
  mailboxAdmin,
  ownMailbox,
  parentPath,
  syncKeyElement,
  validDisplayName,
} from './folder-common';

const COMMAND = 'FolderUpdate';

async function handle(request: EasRequest): Promise<EasResponse> {
  const parsed = folderRequest(request, COMMAND, 'ServerId', 'ParentId', 'DisplayName');
  if (!parsed) return folderReply(COMMAND, FolderStatus.BadRequest);
  const { ServerId: serverId, ParentId: parentId, DisplayName: name } = parsed.values;
  if (!(await keyIsCurrent(request, parsed.key))) return folderReply(COMMAND, FolderStatus.InvalidSyncKey);
  if (!validDisplayName(name) || parentId === undefined || !serverId)
    return folderReply(COMMAND, FolderStatus.BadRequest);
  const mailbox = await ownMailbox(request, serverId);
  if (!mailbox) return folderReply(COMMAND, FolderStatus.NotFound);
  if (isSystemMailbox(mailbox)) return folderReply(COMMAND, FolderStatus.SystemFolder);
  const parent = parentId === '0' ? null : await ownMailbox(request, parentId);
  if (parentId !== '0' && !parent) return folderReply(COMMAND, FolderStatus.ParentNotFound);
  const renamed = await mailboxAdmin(request).rename(
    request.account.id,
    mailbox.name,
    parentPath(parent, name),
  );
  if (!renamed.ok)
    return folderReply(
      COMMAND,
      renamed.reason === 'exists' ? FolderStatus.Exists : FolderStatus.ParentNotFound,
    );
  const key = await advanceFolderState(request.deps.db, request.device.id, parsed.key, (folders) => {
    const known = folders[serverId];
    if (known) folders[serverId] = { ...known, parentId, displayName: name };
  });
  if (key === null) return folderReply(COMMAND, FolderStatus.InvalidSyncKey);
  return folderReply(COMMAND, FolderStatus.Success, syncKeyElement(key));
}

export const folderUpdateCommand: EasCommand = {
  name: COMMAND,
  root: { namespace: 'FolderHierarchy', name: COMMAND },
  needsPolicy: true,
  handle,
};
