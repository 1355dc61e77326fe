/** STATUS (RFC 9051 §6.3.11, STATUS=SIZE, CONDSTORE HIGHESTMODSEQ) and its LIST-STATUS use. */
import type { MailboxStatus } from '../../../core/store/mailbox-admin';
import { mailboxName, type Chunk } from '../format/strings';
import { parseMailbox } from '../parser/grammar';
import { ParseError, type Tokenizer } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { no, ok } from '../types';
import type { Handler } from './context';

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

function value(s: ImapSession, item: string, st: MailboxStatus): string {
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
    default:
      return String(s.options.maxLiteralSize);
  }
}

export async function statusResponse(
  s: ImapSession,
  name: string,
  id: number,
  items: string[],
): Promise<Chunk[]> {
  const st = await s.services.admin.status(id);
  if (items.includes('HIGHESTMODSEQ')) s.enabled.add('CONDSTORE');
  return [
    '* STATUS ',
    mailboxName(name, s.utf8),
    ` (${items.map((item) => `${item} ${value(s, item, st)}`).join(' ')})\r\n`,
  ];
}

export const status: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.sp();
  const items = parseStatusItems(t);
  t.end();
  const mailbox = await s.services.admin.get(s.account!.id, name);
  if (!mailbox) return no('Mailbox does not exist', 'NONEXISTENT');
  s.send(...(await statusResponse(s, name, mailbox.id, items)));
  return ok('STATUS completed');
};
