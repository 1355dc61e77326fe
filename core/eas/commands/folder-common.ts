/**
 * What FolderCreate, FolderUpdate and FolderDelete share: the Status values (MS-ASCMD
 * §2.2.3.177.2–4), the key check, and finding an account's own mailbox by ServerId.
 */
import { MailboxAdmin } from '../../store/mailbox-admin';
import type { MailboxRow } from '../../store/mailbox-store';
import { reply, type EasRequest, type EasResponse } from '../command';
import { folderKeyIsCurrent } from '../folder-state';
import { mailboxIdOf, mailFolderType } from '../folders';
import { el, textAt } from '../wbxml/tree';

export const FolderStatus = {
  Success: 1,
  Exists: 2,
  SystemFolder: 3,
  NotFound: 4,
  ParentNotFound: 5,
  ServerError: 6,
  InvalidSyncKey: 9,
  BadRequest: 10,
} as const;

export function folderReply(command: string, status: number, ...extra: ReturnType<typeof el>[]): EasResponse {
  return reply(el('FolderHierarchy', command, el('FolderHierarchy', 'Status', status), ...extra));
}

export const syncKeyElement = (key: number) => el('FolderHierarchy', 'SyncKey', key);

/** The request's text fields, or null if the root is not `command` or the SyncKey is missing. */
export function folderRequest(request: EasRequest, command: string, ...fields: string[]) {
  const body = request.body;
  if (!body || body.name !== command) return null;
  const key = textAt(body, 'SyncKey');
  if (!key) return null;
  const values: Record<string, string | undefined> = {};
  for (const f of fields) values[f] = textAt(body, f);
  return { key, values };
}

export async function keyIsCurrent(request: EasRequest, key: string): Promise<boolean> {
  return folderKeyIsCurrent(request.deps.db, request.device.id, key);
}

export const mailboxAdmin = (request: EasRequest) => new MailboxAdmin(request.deps.db, request.deps.events);

/** The account's own mailbox behind a ServerId ("m12"), or null (another account's id included). */
export async function ownMailbox(
  request: EasRequest,
  serverId: string | undefined,
): Promise<MailboxRow | null> {
  const id = serverId ? mailboxIdOf(serverId) : null;
  if (id === null) return null;
  const rows = await mailboxAdmin(request).list(request.account.id);
  return rows.find((r) => Number(r.id) === id) ?? null;
}

/** A DisplayName usable as one mailbox name segment. */
export const validDisplayName = (name: string | undefined): name is string =>
  !!name && name.length <= 255 && !name.includes('/') && name.trim() === name && name !== 'INBOX';

export const isSystemMailbox = (row: MailboxRow): boolean => mailFolderType(row) !== 12;

export const parentPath = (parent: MailboxRow | null, name: string) =>
  parent ? `${parent.name}/${name}` : name;
