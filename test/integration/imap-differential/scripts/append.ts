/** APPEND, MULTIAPPEND (RFC 3502), CATENATE (RFC 4469), UIDPLUS APPENDUID, flags and keywords. */
import type { Script } from '../../../helpers/imap-diff/script';
import { append, lit, litPlus, message } from '../corpus';

const one = message({ subject: 'first' });
const two = message({ subject: 'second' });

// Bad APPENDs use synchronising literals: a server may refuse before the literal (Dovecot does,
// and then reads a non-synchronising literal's bytes as commands).

export const APPEND_SCRIPTS: Script[] = [
  {
    name: 'append-basic',
    steps: [
      { c: `APPEND INBOX ${lit(one)}`, label: 'APPEND with a synchronising literal' },
      { c: `APPEND INBOX (\\Seen \\Flagged) ${litPlus(two)}` },
      { c: append('INBOX', one, '$Label1 \\Answered', '15-Mar-2024 08:30:00 +0100') },
      { c: `APPEND INBOX () "15-Mar-2024 08:30:00 +0100" ${litPlus(one)}` },
      { c: `APPEND Nonexistent ${litPlus(one)}`, label: 'APPEND to a missing mailbox (TRYCREATE)' },
      { c: 'SELECT INBOX' },
      { c: 'FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE)' },
      { c: 'STATUS INBOX (MESSAGES UIDNEXT)' },
    ],
  },
  {
    name: 'append-bad',
    about: 'refused APPENDs (own script: one server accepting one would shift the others)',
    steps: [
      {
        c: `APPEND INBOX "31-Feb-2024 08:30:00 +0100" ${lit(one)}`,
        statusOnly: true,
        label: 'APPEND with a bad date',
      },
      { c: `APPEND INBOX (\\Recent) ${lit(one)}`, statusOnly: true, label: 'APPEND with \\Recent' },
      {
        c: `APPEND INBOX (\\Bogus) ${lit(one)}`,
        statusOnly: true,
        label: 'APPEND with an unknown system flag',
      },
      { c: `APPEND INBOX {0}\r\n`, statusOnly: true, label: 'APPEND of an empty message' },
      { c: 'STATUS INBOX (MESSAGES)' },
    ],
  },
  {
    name: 'append-selected',
    about: 'APPEND to the selected mailbox: EXISTS/RECENT and the new keyword in FLAGS',
    steps: [
      { c: 'SELECT INBOX' },
      { c: append('INBOX', one, '$NewKeyword') },
      { c: 'NOOP' },
      { c: 'FETCH 1 (FLAGS)' },
    ],
  },
  {
    name: 'multiappend',
    steps: [
      {
        c: `APPEND INBOX (\\Seen) ${litPlus(one)} (\\Draft) "01-Feb-2024 00:00:00 +0000" ${litPlus(two)} ${litPlus(one)}`,
      },
      { c: `APPEND INBOX ${lit(one)} ${lit(two)}`, label: 'MULTIAPPEND with synchronising literals' },
      {
        c: `APPEND INBOX ${lit(one)} (\\Bogus) ${lit(two)}`,
        statusOnly: true,
        label: 'MULTIAPPEND with one bad message',
      },
      { c: 'STATUS INBOX (MESSAGES)' },
    ],
  },
  {
    name: 'catenate',
    steps: [
      { c: append('INBOX', message({ subject: 'source', body: 'source body\r\n' })) },
      { c: 'SELECT INBOX' },
      { c: 'UID FETCH 1 UID', capture: { uv: /UIDVALIDITY (\d+)/ } },
      { c: 'STATUS INBOX (UIDVALIDITY)', capture: { uv: /UIDVALIDITY (\d+)/ } },
      {
        c: `APPEND INBOX CATENATE (TEXT ${litPlus('Subject: built\r\n\r\n')} URL "/INBOX;UIDVALIDITY=\${uv}/;UID=1/;SECTION=TEXT")`,
      },
      { c: `APPEND INBOX CATENATE (URL "/INBOX/;UID=1" TEXT ${litPlus('\r\nappended\r\n')})` },
      { c: 'APPEND INBOX CATENATE (URL "/INBOX/;UID=99")', label: 'CATENATE of a missing message' },
      { c: 'APPEND INBOX CATENATE ()', statusOnly: true },
      { c: 'NOOP' },
      { c: 'FETCH 2:* (RFC822.SIZE BODY.PEEK[])' },
    ],
  },
];
