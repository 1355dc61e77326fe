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
    name: 'mailbox-admin',
    steps: [
      { c: 'CREATE Projects/2024/Q1' },
      { c: 'LIST "" "Projects*"' },
      { c: 'LIST "" "Projects/%"' },
      { c: 'CREATE Projects' },
      { c: 'RENAME Projects/2024 Projects/Archive2024' },
      { c: 'LIST "" "Projects/*"' },
      { c: 'DELETE Projects', label: 'DELETE with children' },
      { c: 'DELETE Projects/Archive2024/Q1' },
      { c: 'DELETE Nonexistent' },
      { c: 'CREATE INBOX' },
      { c: 'SUBSCRIBE Projects' },
      { c: 'UNSUBSCRIBE Drafts' },
      { c: 'LSUB "" "*"' },
      { c: 'LIST (SUBSCRIBED) "" "*"' },
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
