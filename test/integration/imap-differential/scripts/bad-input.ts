/** Bad input: only the status (BAD / NO / OK) and the response code are compared. */
import type { Script, Step } from '../../../helpers/imap-diff/script';

const raw = (text: string, label?: string): Step => ({
  raw: text,
  statusOnly: true,
  label: label ?? `raw ${JSON.stringify(text)}`,
});

export const BAD_INPUT_SCRIPTS: Script[] = [
  {
    // Split in two: Nimbus closes a connection after 20 BAD answers, Dovecot doesn't.
    name: 'bad-input-authenticated',
    steps: [
      raw('x1 FROB\r\n'),
      raw('x2 NOOP extra\r\n'),
      raw('x3 SELECT\r\n'),
      raw('x4 LOGIN a b\r\n', 'LOGIN when authenticated'),
      raw('x5 UID FROB 1\r\n'),
      raw('x6 SELECT "unterminated\r\n'),
      raw('x7 SELECT caf\xe9\r\n', '8-bit atom'),
      raw('x8 NOOP\0\r\n', 'NUL in a command'),
      raw('x9 CREATE "a\\qb"\r\n', 'bad quoted escape'),
      raw('\r\n', 'empty line'),
      raw('y1\r\n', 'tag only'),
      raw('* NOOP\r\n', '"*" as tag'),
      raw('y2 LIST "" {3+}\r\n*%*\r\n', 'LIST with a literal pattern'),
      raw('z9 NOOP\r\n', 'still alive'),
    ],
  },
  {
    name: 'bad-input-authenticated-2',
    steps: [
      raw('y3 STATUS INBOX ()\r\n'),
      raw('y4 STATUS INBOX (BOGUS)\r\n'),
      raw('y5 EXPUNGE\r\n', 'EXPUNGE without a selected mailbox'),
      raw('y6 CLOSE\r\n', 'CLOSE without a selected mailbox'),
      raw('y7 UNSELECT\r\n', 'UNSELECT without a selected mailbox'),
      raw('y8 CREATE ""\r\n', 'CREATE of an empty name'),
      raw('y9 RENAME INBOX\r\n'),
      raw('z1 APPEND INBOX {3}\r\n', 'APPEND literal announced, then abandoned'),
      raw('abc\r\n', 'rest of the abandoned literal'),
      raw('z2 COPY 1 Drafts\r\n', 'COPY without a selected mailbox'),
      raw('z3 SEARCH ALL\r\n', 'SEARCH without a selected mailbox'),
      raw('z4 ENABLE\r\n'),
      raw('z5 GETQUOTAROOT\r\n'),
      raw('z6 NOOP\r\n', 'still alive'),
    ],
  },
  {
    name: 'bad-input-not-authenticated',
    sessions: { a: { login: false } },
    steps: [
      raw('x1 SELECT INBOX\r\n', 'SELECT before login'),
      raw('x2 LOGIN nobody@example.test wrong\r\n', 'LOGIN with a wrong password'),
      raw('x3 AUTHENTICATE BOGUS\r\n', 'AUTHENTICATE with an unknown mechanism'),
      raw('x6 LOGIN\r\n'),
      raw('x7 CAPABILITY extra\r\n'),
      raw('x8 NOOP\r\n'),
      raw('x9 LOGOUT\r\n'),
    ],
  },
  {
    // Before any failed login: Dovecot slows down the next exchange after one.
    name: 'bad-input-authenticate',
    sessions: { a: { login: false } },
    steps: [
      { ...raw('x4 AUTHENTICATE PLAIN\r\n', 'AUTHENTICATE PLAIN continuation'), timeoutMs: 10_000 },
      raw('*\r\n', 'AUTHENTICATE cancelled'),
      raw('x5 AUTHENTICATE PLAIN !!!\r\n', 'AUTHENTICATE with bad base64'),
    ],
  },
];
