import type { SqlExecutor } from '../ports/sql';

/** Folders every account starts with; special-use attributes per RFC 6154. */
export const DEFAULT_MAILBOXES: { name: string; specialUse: string | null }[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

export async function createDefaultMailboxes(tx: SqlExecutor, accountId: number): Promise<void> {
  for (const mailbox of DEFAULT_MAILBOXES) {
    await tx.query(
      `INSERT INTO mailboxes (account_id, name, special_use) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [accountId, mailbox.name, mailbox.specialUse],
    );
  }
}
