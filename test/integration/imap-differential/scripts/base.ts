/** Base protocol: CAPABILITY, NOOP, NAMESPACE, LIST/LSUB, CREATE/DELETE/RENAME, SUBSCRIBE, STATUS, SELECT/EXAMINE. */
import type { Script } from '../../../helpers/imap-diff/script';
import { append, message } from '../corpus';

export const BASE_SCRIPTS: Script[] = [
  {
    name: 'capabilities',
    about: 'the CAPABILITY lists before and after login, one line per capability',
    sessions: { pre: { login: false }, a: {} },
    steps: [
      { s: 'pre', c: 'CAPABILITY', capabilities: true, label: 'CAPABILITY (not authenticated)' },
      { c: 'CAPABILITY', capabilities: true, label: 'CAPABILITY (authenticated)' },
    ],
  },
  {
    name: 'noop-namespace',
    steps: [{ c: 'NOOP' }, { c: 'NAMESPACE' }, { c: 'CHECK', statusOnly: true }],
  },
  {
    name: 'list-default',
    about: 'the mailboxes of a new account',
    steps: [{ c: 'LIST "" "*"' }, { c: 'LIST "" "%"' }, { c: 'LSUB "" "*"' }, { c: 'LIST "" ""' }],
  },
  {
    name: 'mailbox-hierarchy',
    about: 'CREATE with superiors, RENAME of a subtree, DELETE of a leaf',
    steps: [
      { c: 'CREATE Projects/2024/Q1' },
      { c: 'LIST "" "Projects*"' },
      { c: 'LIST "" "Projects/%"' },
      { c: 'RENAME Projects/2024 Projects/Old' },
      { c: 'LIST "" "Projects/*"' },
      { c: 'DELETE Projects/Old/Q1' },
      { c: 'LIST "" "Projects/*"' },
      { c: 'CREATE Projects/Old/' },
      { c: 'RENAME Nonexistent Other' },
      { c: 'RENAME Projects/Old Drafts' },
    ],
  },
  {
    name: 'mailbox-delete-parent',
    about: 'DELETE of a mailbox that has inferiors (RFC 3501 §6.3.4 allows both outcomes)',
    steps: [
      { c: 'CREATE Parent' },
      { c: 'CREATE Parent/Child' },
      { c: 'DELETE Parent' },
      { c: 'LIST "" "Parent*"' },
    ],
  },
  {
    name: 'mailbox-errors',
    steps: [
      { c: 'CREATE INBOX' },
      { c: 'CREATE Drafts' },
      { c: 'DELETE Nonexistent' },
      { c: 'DELETE INBOX' },
      { c: 'CREATE inbox/sub' },
      { c: 'LIST "" "INBOX*"' },
      { c: 'SELECT inbox' },
    ],
  },
  {
    name: 'subscriptions',
    steps: [
      { c: 'CREATE Lists' },
      { c: 'CREATE Lists/IETF' },
      { c: 'SUBSCRIBE Lists/IETF' },
      { c: 'UNSUBSCRIBE Junk' },
      { c: 'SUBSCRIBE Gone' },
      { c: 'LSUB "" "*"' },
      { c: 'LSUB "" "%"' },
      { c: 'LIST (SUBSCRIBED) "" "*"' },
      { c: 'DELETE Lists/IETF' },
      { c: 'LSUB "" "Lists*"' },
      { c: 'LIST (SUBSCRIBED) "" "Lists*"' },
      { c: 'UNSUBSCRIBE Nonexistent', statusOnly: true },
    ],
  },
  {
    name: 'status-select',
    steps: [
      { c: append('INBOX', message({ subject: 'one' })) },
      { c: append('INBOX', message({ subject: 'two' }), '\\Seen') },
      { c: append('INBOX', message({ subject: 'three' }), '\\Deleted') },
      { c: 'STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)' },
      { c: 'STATUS INBOX (SIZE)' },
      { c: 'EXAMINE INBOX' },
      { c: 'SELECT INBOX' },
      { c: 'STATUS INBOX (MESSAGES RECENT UNSEEN)' },
      { c: 'UNSELECT' },
      { c: 'SELECT Drafts' },
      { c: 'CLOSE' },
      { c: 'SELECT Nonexistent' },
    ],
  },
];
