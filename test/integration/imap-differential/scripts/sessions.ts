/** Two sessions on one account: EXPUNGE, flag changes, new keywords, RECENT, IDLE. */
import type { Script, Step } from '../../../helpers/imap-diff/script';
import { append, message } from '../corpus';

const THREE: Step[] = [1, 2, 3].map((i): Step => ({ c: append('INBOX', message({ subject: `m${i}` })) }));
const two = { a: {}, b: {} };

export const SESSION_SCRIPTS: Script[] = [
  {
    name: 'two-sessions-expunge',
    sessions: two,
    steps: [
      ...THREE,
      { c: 'SELECT INBOX' },
      { s: 'b', c: 'SELECT INBOX' },
      { s: 'b', c: 'STORE 2 +FLAGS.SILENT (\\Deleted)' },
      { s: 'b', c: 'EXPUNGE' },
      { c: 'FETCH 2 (FLAGS)', label: 'FETCH of a message another session expunged' },
      { c: 'STORE 2 +FLAGS (\\Seen)', label: 'STORE while an expunge is pending' },
      { c: 'SEARCH ALL', label: 'SEARCH while an expunge is pending' },
      { c: 'NOOP', label: 'NOOP delivers the EXPUNGE' },
      { c: 'FETCH 1:* (UID)' },
    ],
  },
  {
    name: 'two-sessions-flags',
    sessions: two,
    steps: [
      ...THREE,
      { c: 'SELECT INBOX' },
      { s: 'b', c: 'SELECT INBOX' },
      { s: 'b', c: 'STORE 1 +FLAGS (\\Flagged)' },
      { c: 'NOOP', label: "NOOP shows the other session's flag change" },
      { s: 'b', c: 'STORE 2 +FLAGS ($Brand-New)' },
      { c: 'NOOP', label: 'a new keyword from another session: FLAGS then FETCH' },
      { s: 'b', c: append('INBOX', message({ subject: 'new' }), '$Appended') },
      { c: 'NOOP', label: 'APPEND by another session with a new keyword' },
      { s: 'b', c: 'NOOP' },
    ],
  },
  {
    name: 'two-sessions-move',
    sessions: two,
    steps: [
      ...THREE,
      { c: 'ENABLE QRESYNC' },
      { c: 'SELECT INBOX' },
      { s: 'b', c: 'SELECT INBOX' },
      { s: 'b', c: 'MOVE 2 Drafts' },
      { c: 'NOOP', label: 'another session moved a message away (VANISHED)' },
      { c: 'UID FETCH 1:* (FLAGS)' },
      { c: 'STATUS Drafts (MESSAGES UIDNEXT)' },
    ],
  },
  {
    name: 'two-sessions-condstore',
    sessions: two,
    steps: [
      ...THREE,
      { c: 'SELECT INBOX (CONDSTORE)' },
      { s: 'b', c: 'SELECT INBOX (CONDSTORE)' },
      { c: 'FETCH 1 (MODSEQ)', capture: { m: /MODSEQ \((\d+)\)/ } },
      { s: 'b', c: 'STORE 1 +FLAGS (\\Seen)' },
      {
        c: 'STORE 1 (UNCHANGEDSINCE ${m}) +FLAGS (\\Flagged)',
        label: 'UNCHANGEDSINCE after another session changed it',
      },
      { c: 'NOOP' },
      { c: 'FETCH 1 (FLAGS MODSEQ)' },
    ],
  },
  {
    name: 'recent',
    sessions: two,
    steps: [
      ...THREE,
      { c: 'STATUS INBOX (RECENT)' },
      { c: 'EXAMINE INBOX', label: 'EXAMINE leaves \\Recent' },
      { s: 'b', c: 'STATUS INBOX (RECENT)' },
      { c: 'SELECT INBOX', label: 'SELECT takes \\Recent' },
      { c: 'FETCH 1:* FLAGS' },
      { s: 'b', c: 'SELECT INBOX', label: 'second SELECT: nothing recent' },
      { s: 'b', c: append('INBOX', message({ subject: 'later' })) },
      { c: 'NOOP', label: 'an arrival is recent in exactly one session' },
      { s: 'b', c: 'NOOP' },
      { c: 'FETCH 4 FLAGS' },
      { s: 'b', c: 'FETCH 4 FLAGS' },
    ],
  },
  {
    name: 'idle',
    sessions: two,
    steps: [
      ...THREE,
      { c: 'SELECT INBOX' },
      { idle: true },
      { s: 'b', c: append('INBOX', message({ subject: 'pushed' })) },
      { wait: /EXISTS/ },
      { s: 'b', c: 'SELECT INBOX' },
      { s: 'b', c: 'STORE 1 +FLAGS (\\Seen)' },
      { wait: /FETCH/ },
      { s: 'b', c: 'STORE 2 +FLAGS.SILENT (\\Deleted)' },
      { s: 'b', c: 'EXPUNGE' },
      { wait: /EXPUNGE/ },
      { done: true },
      { c: 'IDLE BOGUS', statusOnly: true },
    ],
  },
];
