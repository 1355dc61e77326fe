/**
 * The folder hierarchy a device sees (MS-ASCMD FolderSync): the account's own IMAP mailboxes
 * (shared ones under "Other Users" are not offered), with ActiveSync folder types from their
 * names and special-use attributes. ServerIds carry the source ("m" + mailbox id), so the PIM
 * store's calendars and address books can join later as "c…" / "a…" (see PimFolderSource).
 */
import type { MailboxRow } from '../store/mailbox-store';
import { HIERARCHY_DELIMITER } from '../store/mailbox-admin';

/** MS-ASCMD FolderHierarchy Type values. */
export const FolderType = {
  UserGeneric: 1,
  Inbox: 2,
  Drafts: 3,
  DeletedItems: 4,
  SentItems: 5,
  Outbox: 6,
  Tasks: 7,
  Calendar: 8,
  Contacts: 9,
  Notes: 10,
  Journal: 11,
  UserMail: 12,
  UserCalendar: 13,
  UserContacts: 14,
  UserTasks: 15,
} as const;

/** One folder as the device knows it (the FolderSync snapshot keeps these). */
export interface EasFolder {
  serverId: string;
  parentId: string;
  displayName: string;
  type: number;
}

const SPECIAL: Record<string, number> = {
  '\\drafts': FolderType.Drafts,
  '\\trash': FolderType.DeletedItems,
  '\\sent': FolderType.SentItems,
};

export const mailServerId = (mailboxId: number): string => `m${mailboxId}`;

/** The mailbox id of a mail ServerId ("m12" → 12), or null for anything else. */
export function mailboxIdOf(serverId: string): number | null {
  const m = /^m([1-9][0-9]{0,15})$/.exec(serverId);
  return m ? Number(m[1]) : null;
}

export function mailFolderType(row: Pick<MailboxRow, 'name' | 'special_use'>): number {
  if (row.name === 'INBOX') return FolderType.Inbox;
  for (const use of (row.special_use ?? '').toLowerCase().split(/\s+/)) if (SPECIAL[use]) return SPECIAL[use];
  return FolderType.UserMail;
}

/** Types a client may not rename or delete: the default folders. */
export const isDefaultFolder = (type: number): boolean => type >= 2 && type <= 11;

export function mailFolders(rows: MailboxRow[]): EasFolder[] {
  const byName = new Map(rows.map((r) => [r.name, r]));
  return rows
    .filter((r) => !r.name.startsWith('Other Users'))
    .map((r) => {
      const cut = r.name.lastIndexOf(HIERARCHY_DELIMITER);
      const parent = cut > 0 ? byName.get(r.name.slice(0, cut)) : undefined;
      return {
        serverId: mailServerId(Number(r.id)),
        parentId: parent ? mailServerId(Number(parent.id)) : '0',
        displayName: r.name === 'INBOX' ? 'Inbox' : cut > 0 ? r.name.slice(cut + 1) : r.name,
        type: mailFolderType(r),
      };
    });
}

/**
 * Calendars, contacts and tasks (core/pim): a source of folders of types 8/9/7 (default) and
 * 13/14/15 (others); core/eas/pim-folders.ts adapts the PIM store. Without one (EasDeps.pim),
 * devices get mail folders only.
 */
export interface PimFolderSource {
  folders(accountId: number): Promise<EasFolder[]>;
}

/** Every folder of the account as a device should see it now. */
export async function currentFolders(
  admin: { list(accountId: number): Promise<MailboxRow[]> },
  accountId: number,
  pim?: PimFolderSource,
): Promise<EasFolder[]> {
  const mail = mailFolders(await admin.list(accountId));
  return pim ? [...mail, ...(await pim.folders(accountId))] : mail;
}
