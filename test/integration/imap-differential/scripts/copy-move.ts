/** COPY, MOVE (RFC 6851), UIDPLUS (RFC 4315): COPYUID, UID EXPUNGE, EXPUNGE, CLOSE. */
import type { Script, Step } from '../../../helpers/imap-diff/script';
import { append, message } from '../corpus';

const FIVE: Step[] = [1, 2, 3, 4, 5].map((i): Step => ({
  c: append('INBOX', message({ subject: `m${i}` }), i % 2 ? '\\Seen' : ''),
}));

export const COPY_MOVE_SCRIPTS: Script[] = [
  {
    name: 'copy',
    steps: [
      ...FIVE,
      { c: 'CREATE Dest' },
      { c: 'SELECT INBOX' },
      { c: 'COPY 2:4 Dest' },
      { c: 'UID COPY 5,1 Dest', label: 'UID COPY (COPYUID order)' },
      { c: 'COPY 1 Nonexistent', label: 'COPY to a missing mailbox (TRYCREATE)' },
      { c: 'UID COPY 99 Dest', label: 'UID COPY of a missing UID' },
      { c: 'COPY 9 Dest', statusOnly: true },
      { c: 'STATUS Dest (MESSAGES UNSEEN UIDNEXT)' },
      { c: 'COPY 1 INBOX', label: 'COPY into the selected mailbox' },
      { c: 'NOOP' },
      { c: 'EXAMINE Dest' },
      { c: 'FETCH 1:* (UID FLAGS)' },
    ],
  },
  {
    name: 'move',
    steps: [
      ...FIVE,
      { c: 'CREATE Dest' },
      { c: 'SELECT INBOX' },
      { c: 'MOVE 2:3 Dest' },
      { c: 'UID MOVE 5 Dest' },
      { c: 'MOVE 1 Nonexistent' },
      { c: 'FETCH 1:* (UID)' },
      { c: 'ENABLE QRESYNC' },
      { c: 'MOVE 1 Dest', label: 'MOVE with QRESYNC (VANISHED)' },
      { c: 'STATUS Dest (MESSAGES)' },
      { c: 'EXAMINE Dest' },
      { c: 'MOVE 1 INBOX', label: 'MOVE in a read-only mailbox' },
    ],
  },
  {
    name: 'expunge',
    steps: [
      ...FIVE,
      { c: 'SELECT INBOX' },
      { c: 'STORE 2,4,5 +FLAGS.SILENT (\\Deleted)' },
      { c: 'UID EXPUNGE 4:5', label: 'UID EXPUNGE of a subset' },
      { c: 'EXPUNGE' },
      { c: 'FETCH 1:* UID' },
      { c: 'STORE 1 +FLAGS.SILENT (\\Deleted)' },
      { c: 'CLOSE', label: 'CLOSE expunges silently' },
      { c: 'STATUS INBOX (MESSAGES)' },
      { c: 'EXAMINE INBOX' },
      { c: 'EXPUNGE', label: 'EXPUNGE in a read-only mailbox' },
    ],
  },
];
