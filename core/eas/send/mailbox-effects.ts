/**
 * What sending does to the account's own mailboxes: SaveInSentItems puts a copy in the \Sent
 * mailbox (as the SMTP submission role's saveToSent does), and a reply or forward marks the
 * original \Answered or $Forwarded (the flags IMAP clients set, RFC 5788) through the store's
 * STORE path, so MODSEQ and push events are right for IMAP, JMAP and ActiveSync alike.
 */
import type { BlobStore } from '../../ports/blob-store';
import type { MailboxEvents } from '../../ports/events';
import type { SqlDatabase } from '../../ports/sql';
import { storeFlags } from '../../store/flags';
import { ImapAppender } from '../../store/imap-append';
import { MailboxStore } from '../../store/mailbox-store';

export interface MailboxDeps {
  db: SqlDatabase;
  blobs: BlobStore;
  events: MailboxEvents;
}

/** The account's \Sent mailbox (or one named Sent), or null when it has none. */
export async function sentMailboxId(db: SqlDatabase, accountId: number): Promise<number | null> {
  const found = await db.query<{ id: string }>(
    `SELECT id FROM mailboxes WHERE account_id = $1 AND (special_use = '\\Sent' OR name = 'Sent')
     ORDER BY (special_use = '\\Sent') DESC LIMIT 1`,
    [accountId],
  );
  return found.rows[0] ? Number(found.rows[0].id) : null;
}

/** Appends the sent message to \Sent, read; false when the account has no Sent mailbox. */
export async function saveToSent(deps: MailboxDeps, accountId: number, message: Buffer): Promise<boolean> {
  const mailboxId = await sentMailboxId(deps.db, accountId);
  if (mailboxId === null) return false;
  const appender = new ImapAppender(
    deps.db,
    deps.blobs,
    new MailboxStore(deps.db, deps.blobs, deps.events),
    deps.events,
  );
  await appender.append(accountId, mailboxId, [{ data: message, flags: ['\\Seen'] }]);
  return true;
}

/** Marks the original answered (reply) or forwarded (forward). */
export async function markOriginal(
  deps: MailboxDeps,
  accountId: number,
  original: { mailboxId: number; uid: number },
  kind: 'reply' | 'forward',
): Promise<void> {
  await storeFlags(deps.db, deps.events, {
    accountId,
    mailboxId: original.mailboxId,
    uids: [original.uid],
    op: 'add',
    flags: [kind === 'reply' ? '\\Answered' : '$Forwarded'],
  });
}
