/** LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154), CHILDREN, patterns. */
import type { Script } from '../../../helpers/imap-diff/script';
import { append, message } from '../corpus';

/** Superiors created explicitly: implicit ones differ by design (see mailbox-hierarchy). */
const tree = [
  { c: 'CREATE Work' },
  { c: 'CREATE Work/Clients' },
  { c: 'CREATE Work/Clients/Acme' },
  { c: 'CREATE Work/Notes' },
  { c: 'CREATE Home' },
  { c: 'UNSUBSCRIBE Work/Notes' },
  { c: 'UNSUBSCRIBE Home' },
  { c: 'SUBSCRIBE Work/Clients/Acme' },
  { c: 'UNSUBSCRIBE Work' },
  { c: 'UNSUBSCRIBE Work/Clients' },
];

export const LIST_SCRIPTS: Script[] = [
  {
    name: 'list-patterns',
    steps: [
      ...tree,
      { c: 'LIST "" "*"' },
      { c: 'LIST "" "%"' },
      { c: 'LIST "" "Work/%"' },
      { c: 'LIST "" "Work/*/Acme"' },
      { c: 'LIST "" "w*"' },
      { c: 'LIST "Work/" "%"' },
      { c: 'LIST "" "~foo"', label: 'LIST with a ~ atom' },
      { c: 'LIST "" "In%"' },
      { c: 'LIST "" inbox' },
      { c: 'LIST "" "*Acme"' },
      { c: 'LIST "" Nothing*' },
    ],
  },
  {
    name: 'list-extended',
    steps: [
      ...tree,
      { c: 'LIST (SUBSCRIBED) "" "*"' },
      { c: 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"' },
      { c: 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Work/%"' },
      {
        c: 'LIST (SUBSCRIBED RECURSIVEMATCH) "" ("%" "Work/%")',
        label: 'RECURSIVEMATCH where the parent matches a pattern',
      },
      { c: 'LIST "" "*" RETURN (CHILDREN)' },
      { c: 'LIST "" "%" RETURN (SUBSCRIBED)' },
      { c: 'LIST "" ("Work" "Home") RETURN (SUBSCRIBED CHILDREN)' },
      { c: 'LIST () "" "Work/*" RETURN ()' },
      { c: 'LIST (REMOTE) "" "%"' },
      { c: 'LIST (RECURSIVEMATCH) "" "*"', statusOnly: true, label: 'RECURSIVEMATCH alone' },
      { c: 'LIST (BOGUS) "" "*"', statusOnly: true },
    ],
  },
  {
    name: 'list-special-use',
    steps: [
      { c: 'LIST (SPECIAL-USE) "" "*"' },
      { c: 'LIST "" "*" RETURN (SPECIAL-USE)' },
      { c: 'LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)' },
      { c: 'CREATE MyTrash (USE (\\Trash))', label: 'CREATE-SPECIAL-USE' },
      { c: 'CREATE Weird (USE (\\Bogus))', statusOnly: true },
      { c: 'LIST (SPECIAL-USE) "" "*"' },
    ],
  },
  {
    name: 'list-status',
    steps: [
      { c: append('INBOX', message({ subject: 'a' })) },
      { c: append('INBOX', message({ subject: 'b' }), '\\Seen') },
      { c: 'CREATE Empty' },
      { c: 'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))' },
      { c: 'LIST "" "INBOX" RETURN (STATUS (MESSAGES RECENT SIZE UIDVALIDITY))' },
      { c: 'LIST (SUBSCRIBED) "" "%" RETURN (STATUS (MESSAGES) CHILDREN)' },
      { c: 'CREATE Parent/Child' },
      {
        c: 'LIST "" "Parent" RETURN (STATUS (MESSAGES))',
        label: 'LIST-STATUS of an implicit superior',
      },
    ],
  },
  {
    name: 'list-children',
    steps: [
      { c: 'CREATE A' },
      { c: 'CREATE A/B' },
      { c: 'CREATE A/B/C' },
      { c: 'LIST "" "A"' },
      { c: 'LIST "" "A/B"' },
      { c: 'LIST "" "A/B/C"' },
      { c: 'DELETE A/B/C' },
      { c: 'LIST "" "A*"' },
    ],
  },
];
