/** STORE and keywords, CONDSTORE / QRESYNC (RFC 7162) with UNCHANGEDSINCE, CHANGEDSINCE, VANISHED. */
import type { Script, Step } from '../../../helpers/imap-diff/script';
import { append, message } from '../corpus';

const FOUR: Step[] = [1, 2, 3, 4].map((i): Step => ({ c: append('INBOX', message({ subject: `m${i}` })) }));

export const STORE_SCRIPTS: Script[] = [
  {
    name: 'store-flags',
    steps: [
      ...FOUR,
      { c: 'SELECT INBOX' },
      { c: 'STORE 1 +FLAGS (\\Seen)' },
      { c: 'STORE 1:2 +FLAGS.SILENT (\\Flagged)' },
      { c: 'STORE 2 -FLAGS (\\Flagged)' },
      { c: 'STORE 3 FLAGS (\\Answered \\Draft)' },
      { c: 'STORE 3 FLAGS ()' },
      { c: 'UID STORE 4 +FLAGS ($Work)', label: 'STORE of a new keyword' },
      { c: 'NOOP' },
      { c: 'STORE 1 +FLAGS ($Work $Later)' },
      { c: 'FETCH 1:* FLAGS' },
      { c: 'STORE 1 +FLAGS (\\Recent)', statusOnly: true },
      { c: 'STORE 1 +FLAGS (\\Bogus)', statusOnly: true },
      { c: 'STORE 9 +FLAGS (\\Seen)', statusOnly: true },
      { c: 'UID STORE 9 +FLAGS (\\Seen)', label: 'UID STORE of a missing UID' },
      { c: 'STORE 1 FLAGS.SILENT (\\Deleted)' },
      { c: 'EXAMINE INBOX' },
      { c: 'STORE 1 +FLAGS (\\Seen)', label: 'STORE in a read-only mailbox' },
    ],
  },
  {
    name: 'condstore',
    steps: [
      ...FOUR,
      { c: 'SELECT INBOX', label: 'SELECT without CONDSTORE' },
      { c: 'FETCH 1 (MODSEQ)', label: 'FETCH MODSEQ enables CONDSTORE' },
      { c: 'FETCH 1:* (FLAGS MODSEQ)' },
      { c: 'STORE 1 +FLAGS (\\Seen)', capture: { m1: /MODSEQ \((\d+)\)/ } },
      { c: 'STORE 2 +FLAGS (\\Seen)' },
      { c: 'FETCH 1:* (FLAGS) (CHANGEDSINCE ${m1})' },
      { c: 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)' },
      { c: 'STORE 1:3 (UNCHANGEDSINCE ${m1}) +FLAGS (\\Flagged)', label: 'STORE UNCHANGEDSINCE (MODIFIED)' },
      { c: 'UID STORE 1:4 (UNCHANGEDSINCE 1) -FLAGS (\\Seen)' },
      { c: 'STORE 4 (UNCHANGEDSINCE 0) +FLAGS (\\Answered)', label: 'UNCHANGEDSINCE 0' },
      { c: 'SEARCH MODSEQ ${m1}' },
      { c: 'STATUS Drafts (HIGHESTMODSEQ)' },
      { c: 'CLOSE' },
      { c: 'SELECT INBOX (CONDSTORE)' },
    ],
  },
  {
    name: 'condstore-enable',
    steps: [
      ...FOUR,
      { c: 'ENABLE CONDSTORE' },
      { c: 'SELECT INBOX' },
      { c: 'FETCH 1 (FLAGS)' },
      { c: 'STORE 1 +FLAGS (\\Seen)' },
      { c: 'STATUS INBOX (HIGHESTMODSEQ)', label: 'STATUS HIGHESTMODSEQ of the selected mailbox' },
    ],
  },
  {
    name: 'qresync',
    sessions: { a: {}, b: {} },
    steps: [
      ...FOUR,
      { c: 'ENABLE QRESYNC' },
      { c: 'SELECT INBOX', capture: { uv: /UIDVALIDITY (\d+)/, hm: /HIGHESTMODSEQ (\d+)/ } },
      { c: 'STORE 1 +FLAGS (\\Seen)' },
      { c: 'STORE 3 +FLAGS (\\Deleted)' },
      { c: 'EXPUNGE', label: 'EXPUNGE with QRESYNC (VANISHED)' },
      { c: 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${hm} VANISHED)' },
      { c: 'CLOSE' },
      { c: 'SELECT INBOX (QRESYNC (${uv} ${hm}))', label: 'SELECT QRESYNC (uidvalidity modseq)' },
      { c: 'SELECT INBOX (QRESYNC (${uv} ${hm} 1:4))', label: 'SELECT QRESYNC with known UIDs' },
      {
        c: 'SELECT INBOX (QRESYNC (${uv} ${hm} 1:4 (1:3 1:3)))',
        label: 'SELECT QRESYNC with sequence match data',
      },
      { c: 'SELECT INBOX (QRESYNC (1 1))', label: 'SELECT QRESYNC with a wrong UIDVALIDITY' },
      { s: 'b', c: 'SELECT INBOX (QRESYNC (1 1))', statusOnly: true, label: 'QRESYNC without ENABLE' },
      { c: 'UID EXPUNGE 1', label: 'UID EXPUNGE (VANISHED)' },
    ],
  },
];
