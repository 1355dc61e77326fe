/** FETCH of every item on the MIME corpus (test/fixtures/mime), partial fetches, BINARY (RFC 3516). */
import type { Script, Step } from '../../../helpers/imap-diff/script';
import { append, MIME, MIME_NAMES, litPlus, message } from '../corpus';

/** Sections worth asking for in any message: most exist in the multipart ones only. */
const SECTIONS = [
  '1',
  '2',
  '1.1',
  '1.2',
  '2.1',
  '3',
  '1.MIME',
  '2.MIME',
  '2.HEADER',
  '2.TEXT',
  '1.1.MIME',
  '2.1.1',
];

const perMessage = (name: string): Script => ({
  name: `fetch-mime-${name}`,
  about: `every FETCH item of test/fixtures/mime/${name}.eml`,
  steps: [
    { c: append('INBOX', MIME[name]) },
    { c: 'EXAMINE INBOX' },
    // No FLAGS here: whether an EXAMINE session sees \\Recent is compared in the recent script.
    { c: 'FETCH 1 (RFC822.SIZE ENVELOPE)' },
    { c: 'FETCH 1 BODYSTRUCTURE' },
    { c: 'FETCH 1 BODY' },
    { c: 'FETCH 1 (BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT])' },
    { c: 'FETCH 1 (RFC822.HEADER RFC822.TEXT)' },
    { c: 'FETCH 1 BODY.PEEK[HEADER.FIELDS (From Subject Content-Type X-Missing)]' },
    { c: 'FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (From Subject)]' },
    ...SECTIONS.map((s): Step => ({ c: `FETCH 1 BODY.PEEK[${s}]` })),
    { c: 'FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])' },
    { c: 'FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])' },
    { c: 'FETCH 1 BINARY.PEEK[]' },
    { c: 'FETCH 1 BODY.PEEK[]<0.40>' },
    { c: 'FETCH 1 BODY.PEEK[TEXT]<5.10>' },
    { c: 'FETCH 1 BODY.PEEK[1]<2.5>' },
  ],
});

const body = 'line one\r\nline two\r\n';

export const FETCH_SCRIPTS: Script[] = [
  ...MIME_NAMES.map(perMessage),
  {
    name: 'fetch-macros-and-seen',
    steps: [
      { c: append('INBOX', message({ subject: 'macro', body })) },
      { c: append('INBOX', message({ subject: 'macro 2', body }), '\\Seen') },
      { c: 'SELECT INBOX' },
      { c: 'FETCH 1 ALL' },
      { c: 'FETCH 1 FAST' },
      { c: 'FETCH 1 FULL' },
      { c: 'FETCH 1 BODY[TEXT]', label: 'FETCH BODY[TEXT] sets \\Seen' },
      { c: 'FETCH 1 FLAGS' },
      { c: 'UID FETCH 1:* (FLAGS)' },
      { c: 'FETCH 1:2 (UID RFC822.SIZE)' },
      { c: 'FETCH 2 RFC822', label: 'FETCH RFC822 of a seen message' },
      { c: 'FETCH * UID' },
      { c: 'UID FETCH 100:* UID', label: 'UID FETCH n:* beyond the last UID' },
      { c: 'FETCH 1 BODY[]<100.10>', label: 'partial beyond the end' },
      { c: 'FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.5>' },
      {
        c: 'FETCH 1 (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2])',
        label: 'sections of a single-part message',
      },
    ],
  },
  {
    name: 'fetch-binary',
    about: 'BINARY of base64 / quoted-printable / 8bit parts and of an appended literal8 with a NUL',
    steps: [
      {
        c: append(
          'INBOX',
          [
            'From: a@example.org',
            'Subject: encodings',
            'MIME-Version: 1.0',
            'Content-Type: multipart/mixed; boundary="b"',
            '',
            '--b',
            'Content-Type: text/plain; charset=utf-8',
            'Content-Transfer-Encoding: quoted-printable',
            '',
            'trailing spaces   ',
            'soft=',
            'break =C3=A9t=C3=A9',
            '--b',
            'Content-Type: application/octet-stream',
            'Content-Transfer-Encoding: base64',
            '',
            'AAECAwQFBgcICQ==',
            '--b',
            'Content-Type: text/plain',
            'Content-Transfer-Encoding: x-unknown',
            '',
            'opaque',
            '--b--',
            '',
          ].join('\r\n'),
        ),
      },
      {
        c: `APPEND INBOX ~{${'Subject: nul\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\nA\0B\r\n'.length}+}\r\nSubject: nul\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\nA\0B\r\n`,
        label: 'APPEND literal8 with a NUL',
      },
      { c: 'EXAMINE INBOX' },
      { c: 'FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2])' },
      { c: 'FETCH 1 (BINARY.PEEK[1] BINARY.PEEK[2])' },
      { c: 'FETCH 1 BINARY.PEEK[1]<0.10>' },
      { c: 'FETCH 1 BINARY.PEEK[2]<4.4>' },
      { c: 'FETCH 1 BINARY.PEEK[3]', label: 'BINARY of an unknown transfer encoding' },
      { c: 'FETCH 1 BINARY.PEEK[1.MIME]', statusOnly: true },
      { c: 'FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1])' },
      { c: 'FETCH 2 BODY.PEEK[1]', label: 'BODY of a binary part' },
      { c: 'FETCH 2 BODYSTRUCTURE', label: 'BODYSTRUCTURE of a binary part' },
      { c: 'FETCH 2 BODY.PEEK[]', label: 'BODY[] of a message with a NUL' },
      { c: `APPEND INBOX {5+}\r\nA\0B\r\n`, statusOnly: true, label: 'APPEND of a NUL in a plain literal' },
    ],
  },
  {
    name: 'fetch-errors',
    steps: [
      { c: append('INBOX', message({ subject: 'x' })) },
      { c: 'FETCH 1 FLAGS', statusOnly: true, label: 'FETCH without a selected mailbox' },
      { c: 'SELECT INBOX' },
      { c: 'FETCH 2 FLAGS', statusOnly: true, label: 'FETCH beyond EXISTS' },
      { c: 'FETCH 0 FLAGS', statusOnly: true },
      { c: 'FETCH 1 (FLAGS', statusOnly: true },
      { c: 'FETCH 1 BODY[1.2.HEADERX]', statusOnly: true },
      { c: 'FETCH 1 BOGUS', statusOnly: true },
      { c: 'UID FETCH 5 FLAGS', label: 'UID FETCH of a missing UID' },
      { c: `FETCH 1 BODY.PEEK[HEADER.FIELDS ()]`, statusOnly: true },
      { c: 'FETCH 1 BODY[]<0.0>' },
      { c: `APPEND INBOX ${litPlus('x')}` },
    ],
  },
];
