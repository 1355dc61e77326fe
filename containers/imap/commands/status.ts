/**
 * STATUS (RFC 9051 §6.3.11, STATUS=SIZE, CONDSTORE HIGHESTMODSEQ, APPENDLIMIT, OBJECTID
 * MAILBOXID) and its LIST-STATUS use.
 */
import { mailboxIdOf } from '../../../core/jmap/ids';
import type { MailboxStatus } from '../../../core/store/mailbox-admin';
import { mailboxName, type Chunk } from '../format/strings';
import { parseMailbox } from '../parser/grammar';
import { ParseError, type Tokenizer } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { ok } from '../types';
import type { Handler } from './context';
import { isResult, openMailbox } from './access';

const ITEMS = new Set([
  'MESSAGES',
  'RECENT',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'SIZE',
  'HIGHESTMODSEQ',
  'DELETED',
  'APPENDLIMIT',
  'MAILBOXID',
]);

export function parseStatusItems(t: Tokenizer): string[] {
  const items: string[] = [];
  t.list(() => {
    const item = t.atom().toUpperCase();
    if (!ITEMS.has(item)) throw new ParseError(`Unknown STATUS item ${item}`);
    items.push(item);
  }, false);
  return items;
}

function value(s: ImapSession, item: string, st: MailboxStatus, id: number): string {
  switch (item) {
    case 'MESSAGES':
      return String(st.messages);
    case 'RECENT':
      return String(st.recent);
    case 'UIDNEXT':
      return String(st.uidnext);
    case 'UIDVALIDITY':
      return String(st.uidvalidity);
    case 'UNSEEN':
      return String(st.unseen);
    case 'SIZE':
      return String(st.size);
    case 'HIGHESTMODSEQ':
      return String(st.highestmodseq);
    case 'DELETED':
      return String(st.deleted);
    case 'MAILBOXID':
      return `(${mailboxIdOf(id)})`; // RFC 8474 §4: JMAP's mailbox id
    default:
      // RFC 7889: the same limit for every mailbox, so the same number as in CAPABILITY.
      return String(s.options.maxLiteralSize);
  }
}

/**
 * RECENT counts the messages with \Recent in this session's view (RFC 3501 §6.3.10, §2.3.2): in
 * the selected mailbox that includes the ones this session holds (claimed by its SELECT, or seen
 * unclaimed by its EXAMINE), which the store no longer counts as unclaimed.
 */
async function recentCount(s: ImapSession, id: number, unclaimed: number): Promise<number> {
  const selected = s.selected;
  if (!selected || selected.id !== id || selected.recent.size === 0) return unclaimed;
  const state = await s.services.view.state(id);
  const from = state?.recentUid ?? Number.MAX_SAFE_INTEGER;
  let held = 0;
  for (const uid of selected.recent) if (uid < from && !selected.pendingExpunges.has(uid)) held++;
  return unclaimed + held;
}

export async function statusResponse(
  s: ImapSession,
  name: string,
  id: number,
  items: string[],
): Promise<Chunk[]> {
  const st = await s.services.admin.status(id);
  // RFC 8438: SIZE is at least the sum of RFC822.SIZE, which counts binary parts as served.
  if (items.includes('SIZE')) st.size += await s.services.view.convertedGrowth(id);
  if (items.includes('HIGHESTMODSEQ')) s.enableCondstore();
  if (items.includes('RECENT')) st.recent = await recentCount(s, id, st.recent);
  return [
    '* STATUS ',
    mailboxName(name, s.utf8),
    ` (${items.map((item) => `${item} ${value(s, item, st, id)}`).join(' ')})\r\n`,
  ];
}

export const status: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.sp();
  const items = parseStatusItems(t);
  t.end();
  const found = await openMailbox(s, name, 'r');
  if (isResult(found)) return found;
  const mailbox = found.mailbox;
  s.send(...(await statusResponse(s, name, mailbox.id, items)));
  return ok('STATUS completed');
};
