/**
 * Which NOTIFY events apply to a mailbox (RFC 5465 §6). The selected mailbox only ever follows
 * the SELECTED / SELECTED-DELAYED group; every other mailbox of the account is matched by name
 * against the other groups in order: a match adds its events, a matching NONE group clears what
 * earlier groups gave (as Dovecot does, so "(PERSONAL (…)) (MAILBOXES Spam NONE)" mutes Spam).
 */
import { HIERARCHY_DELIMITER } from '../../core/store/mailbox-admin';
import {
  isSelectedFilter,
  type EventGroup,
  type KnownEvent,
  type NotifyFilter,
} from './parser/notify-grammar';

/**
 * INBOXES (§6.3): where deliveries land. INBOX, and the folders the MX files spam and
 * quarantined mail into (core/delivery/local-delivery.ts: X-Nimbus-Folder, falling back to Junk).
 */
export const DELIVERY_MAILBOXES: ReadonlySet<string> = new Set(['INBOX', 'Junk', 'Quarantine']);

export interface MailboxFacts {
  name: string;
  subscribed: boolean;
}

export function filterMatches(filter: NotifyFilter, mailbox: MailboxFacts): boolean {
  switch (filter.kind) {
    case 'selected':
    case 'selected-delayed':
      return false;
    case 'inboxes':
      return DELIVERY_MAILBOXES.has(mailbox.name);
    case 'personal':
      return true; // a session lists only its own account's mailboxes here
    case 'subscribed':
      return mailbox.subscribed;
    case 'subtree':
      return filter.names.some(
        (name) => mailbox.name === name || mailbox.name.startsWith(name + HIERARCHY_DELIMITER),
      );
    case 'mailboxes':
      return filter.names.includes(mailbox.name);
  }
}

/** The events that apply to a mailbox other than the selected one. */
export function eventsFor(groups: readonly EventGroup[], mailbox: MailboxFacts): Set<KnownEvent> {
  let events = new Set<KnownEvent>();
  for (const group of groups) {
    if (isSelectedFilter(group.filter) || !filterMatches(group.filter, mailbox)) continue;
    if (group.events.size === 0) events = new Set();
    else for (const event of group.events) events.add(event);
  }
  return events;
}

/** The SELECTED / SELECTED-DELAYED group, if any. */
export function selectedGroup(groups: readonly EventGroup[]): EventGroup | null {
  return groups.find((group) => isSelectedFilter(group.filter)) ?? null;
}
