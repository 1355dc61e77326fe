/** FolderCreate (MS-ASCMD §2.2.1.3): a mail folder under the root or another mail folder. */
import type { EasCommand, EasRequest, EasResponse } from '../command';
import { advanceFolderState } from '../folder-state';
import { FolderType, mailServerId } from '../folders';
import { el } from '../wbxml/tree';
import {
  folderReply,
  folderRequest,
  FolderStatus,
  keyIsCurrent,
  mailboxAdmin,
  ownMailbox,
  parentPath,
  syncKeyElement,
  validDisplayName,
} from './folder-common';

const COMMAND = 'FolderCreate';
const MAIL_TYPES = new Set<number>([FolderType.UserGeneric, FolderType.UserMail]);

async function handle(request: EasRequest): Promise<EasResponse> {
  const parsed = folderRequest(request, COMMAND, 'ParentId', 'DisplayName', 'Type');
  if (!parsed) return folderReply(COMMAND, FolderStatus.BadRequest);
  const { ParentId: parentId, DisplayName: name, Type: type } = parsed.values;
  if (!(await keyIsCurrent(request, parsed.key))) return folderReply(COMMAND, FolderStatus.InvalidSyncKey);
  // Calendars, contacts and tasks folders wait for the PIM store (core/pim).
  if (!validDisplayName(name) || !MAIL_TYPES.has(Number(type)) || parentId === undefined)
    return folderReply(COMMAND, FolderStatus.BadRequest);
  const parent = parentId === '0' ? null : await ownMailbox(request, parentId);
  if (parentId !== '0' && !parent) return folderReply(COMMAND, FolderStatus.ParentNotFound);
  const created = await mailboxAdmin(request).create(request.account.id, parentPath(parent, name));
  if (!created.ok)
    return folderReply(COMMAND, created.reason === 'exists' ? FolderStatus.Exists : FolderStatus.BadRequest);
  const mailbox =
    created.mailbox ?? (await mailboxAdmin(request).get(request.account.id, parentPath(parent, name)));
  if (!mailbox) return folderReply(COMMAND, FolderStatus.ServerError);
  const serverId = mailServerId(Number(mailbox.id));
  const key = await advanceFolderState(request.deps.db, request.device.id, parsed.key, (folders) => {
    folders[serverId] = { parentId, displayName: name, type: FolderType.UserMail };
  });
  if (key === null) return folderReply(COMMAND, FolderStatus.InvalidSyncKey);
  return folderReply(
    COMMAND,
    FolderStatus.Success,
    syncKeyElement(key),
    el('FolderHierarchy', 'ServerId', serverId),
  );
}

export const folderCreateCommand: EasCommand = {
  name: COMMAND,
  root: { namespace: 'FolderHierarchy', name: COMMAND },
  needsPolicy: true,
  handle,
};
