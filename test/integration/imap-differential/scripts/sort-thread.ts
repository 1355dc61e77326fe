/** SORT (RFC 5256), ESORT and CONTEXT=SORT (RFC 5267), SORT=DISPLAY (RFC 5957), THREAD. */
import type { Script, Step } from '../../../helpers/imap-diff/script';
import { append, day, message } from '../corpus';
import { SIX } from './search';

const sorts = [
  '(ARRIVAL) UTF-8 ALL',
  '(DATE) UTF-8 ALL',
  '(REVERSE DATE) UTF-8 ALL',
  '(FROM) UTF-8 ALL',
  '(TO) UTF-8 ALL',
  '(CC) UTF-8 ALL',
  '(SUBJECT) UTF-8 ALL',
  '(SIZE) UTF-8 ALL',
  '(REVERSE SIZE) UTF-8 ALL',
  '(SUBJECT DATE) UTF-8 UNSEEN',
  '(DISPLAYFROM) UTF-8 ALL',
  '(DISPLAYTO) UTF-8 ALL',
  '(REVERSE ARRIVAL) US-ASCII SEEN',
];

/** A thread corpus: replies, a missing parent, equal dates (the RFC 5256 tie-break), subject-only threads. */
const THREADED: Step[] = [
  ['<a@x>', '', 'Topic', 'Mon, 01 Jan 2024 10:00:00 +0000'],
  ['<b@x>', '<a@x>', 'Re: Topic', 'Mon, 01 Jan 2024 11:00:00 +0000'],
  ['<c@x>', '<a@x>', 'Re: Topic', 'Mon, 01 Jan 2024 11:00:00 +0000'],
  ['<d@x>', '<missing@x> <b@x>', 'Re: Re: Topic', 'Mon, 01 Jan 2024 12:00:00 +0000'],
  ['<e@x>', '', 'Other', 'Mon, 01 Jan 2024 09:00:00 +0000'],
  ['<f@x>', '', 'Fwd: Other', 'Mon, 01 Jan 2024 13:00:00 +0000'],
  ['<g@x>', '<zzz@x>', 'Orphan', 'Mon, 01 Jan 2024 10:00:00 +0000'],
  ['<h@x>', '<zzz@x>', 'Orphan sibling', 'Mon, 01 Jan 2024 10:00:00 +0000'],
  ['<i@x>', '', 'Topic', 'Mon, 01 Jan 2024 08:00:00 +0000'],
].map(([id, refs, subject, date], i): Step => ({
  c: append('INBOX', message({ messageId: id, references: refs || undefined, subject, date }), '', day(i)),
}));

export const SORT_THREAD_SCRIPTS: Script[] = [
  {
    name: 'sort',
    steps: [...SIX, ...sorts.map((k): Step => ({ c: `SORT ${k}` })), { c: 'UID SORT (DATE) UTF-8 ALL' }],
  },
  {
    name: 'sort-errors',
    steps: [
      ...SIX,
      { c: 'SORT (BOGUS) UTF-8 ALL', statusOnly: true },
      { c: 'SORT () UTF-8 ALL', statusOnly: true },
      { c: 'SORT (DATE) X-BOGUS ALL', label: 'SORT with an unknown charset' },
      { c: 'SORT (DATE) UTF-8', statusOnly: true },
    ],
  },
  {
    name: 'esort',
    steps: [
      ...SIX,
      { c: 'SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL' },
      { c: 'SORT RETURN (ALL) (REVERSE SUBJECT) UTF-8 ALL' },
      { c: 'UID SORT RETURN (ALL COUNT) (SIZE) UTF-8 UNSEEN' },
      { c: 'SORT RETURN () (ARRIVAL) UTF-8 ALL' },
    ],
  },
  {
    name: 'thread',
    steps: [
      ...THREADED,
      { c: 'SELECT INBOX' },
      { c: 'THREAD REFERENCES UTF-8 ALL' },
      { c: 'THREAD ORDEREDSUBJECT UTF-8 ALL' },
      { c: 'UID THREAD REFERENCES UTF-8 ALL' },
      { c: 'THREAD REFERENCES UTF-8 SUBJECT topic' },
      { c: 'THREAD REFS UTF-8 ALL', statusOnly: true, label: 'THREAD REFS (Dovecot-only)' },
      { c: 'THREAD BOGUS UTF-8 ALL', statusOnly: true },
    ],
  },
];
