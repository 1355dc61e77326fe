/**
 * The untagged responses NOTIFY sends about mailboxes other than the selected one (RFC 5465 §5):
 * STATUS for message events, LIST (with OLDNAME / \NonExistent / \Subscribed) for MailboxName and
 * SubscriptionChange, METADATA entry lists (RFC 5464 §4.4.2) for the metadata events.
 */
import { HIERARCHY_DELIMITER } from '../../core/store/mailbox-admin';
import type { MailboxRow } from '../../core/store/mailbox-store';
import { imapString, mailboxName, type Chunk } from './format/strings';
import type { ImapSession } from './session';

/**
 * STATUS for a mailbox whose messages changed: MESSAGES UIDNEXT UIDVALIDITY UNSEEN (§5.2, §5.3),
 * and HIGHESTMODSEQ when CONDSTORE is on or flag changes were asked for (§3.1, §5.1).
 */
export async function statusLine(s: ImapSession, row: MailboxRow, withModseq: boolean): Promise<Chunk[]> {
  const st = await s.services.admin.status(row.id);
  let items = `MESSAGES ${st.messages} UIDNEXT ${st.uidnext} UIDVALIDITY ${st.uidvalidity} UNSEEN ${st.unseen}`;
  if (withModseq || s.condstore || s.qresync) items += ` HIGHESTMODSEQ ${st.highestmodseq}`;
  return ['* STATUS ', mailboxName(row.name, s.utf8), ` (${items})\r\n`];
}

export interface ListFacts {
  rows: readonly MailboxRow[];
  subscriptions: ReadonlySet<string>;
}

/** LIST for `name` as it is now (\NonExistent when gone); OLDNAME after a rename (§5.4). */
export function listLine(s: ImapSession, facts: ListFacts, name: string, oldName?: string): Chunk[] {
  const row = facts.rows.find((r) => r.name === name);
  const attrs: string[] = [];
  if (!row) attrs.push('\\NonExistent');
  if (facts.subscriptions.has(name)) attrs.push('\\Subscribed');
  if (row) {
    const prefix = name + HIERARCHY_DELIMITER;
    attrs.push(facts.rows.some((r) => r.name.startsWith(prefix)) ? '\\HasChildren' : '\\HasNoChildren');
    if (row.special_use) attrs.push(...row.special_use.split(' '));
  }
  const out: Chunk[] = [`* LIST (${attrs.join(' ')}) "${HIERARCHY_DELIMITER}" `, mailboxName(name, s.utf8)];
  if (oldName !== undefined) out.push(' ("OLDNAME" (', mailboxName(oldName, s.utf8), '))');
  out.push('\r\n');
  return out;
}

/** `* METADATA mailbox entry …` without values: the client fetches what it wants (RFC 5464 §4.4.2). */
export function metadataLine(s: ImapSession, mailbox: string, entries: readonly string[]): Chunk[] {
  const out: Chunk[] = ['* METADATA ', mailbox === '' ? '""' : mailboxName(mailbox, s.utf8)];
  for (const entry of entries) out.push(' ', imapString(entry, s.utf8));
  out.push('\r\n');
  return out;
}
