/**
 * APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), UIDPLUS APPENDUID, BINARY literal8
 * and UTF8=ACCEPT's "UTF8 (literal8)". Size and quota were checked when each literal was
 * announced (see ImapSession.decideLiteral); the transaction re-checks the quota.
 */
import { OverQuotaError } from '../../../core/store/copy-move';
import type { AppendItem } from '../../../core/store/imap-append';
import { formatSequenceSet } from '../format/strings';
import { parseDateTime, parseFlagList, parseMailbox } from '../parser/grammar';
import { ParseError } from '../parser/tokenizer';
import { no, ok } from '../types';
import type { Handler } from './context';

export const append: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  const items: AppendItem[] = [];
  while (!t.atEnd) {
    t.sp();
    let flags: string[] = [];
    let internalDate: Date | undefined;
    if (t.peek() === 0x28) {
      flags = parseFlagList(t).filter((f) => f !== '\\Recent');
      t.sp();
    }
    if (t.peek() === 0x22) {
      internalDate = parseDateTime(t);
      t.sp();
    }
    let data: Buffer;
    if (t.accept('UTF8 ')) {
      t.expect('(');
      data = t.literal();
      t.expect(')');
    } else {
      const c = t.peek();
      if (c !== 0x7b && c !== 0x7e) throw new ParseError('Expected a message literal');
      data = t.literal();
    }
    items.push({ data, flags: [...new Set(flags)], internalDate });
    if (items.length > 1000) throw new ParseError('Too many messages in one APPEND');
  }
  if (items.length === 0) throw new ParseError('Missing message literal');
  if (items.some((i) => i.data.length === 0)) return no('Cannot append an empty message');
  const mailbox = await s.services.admin.get(s.account!.id, name);
  if (!mailbox) return no('Mailbox does not exist', 'TRYCREATE');
  try {
    const result = await s.services.appender.append(s.account!.id, mailbox.id, items);
    return ok('APPEND completed', `APPENDUID ${result.uidvalidity} ${formatSequenceSet(result.uids)}`);
  } catch (error) {
    if (error instanceof OverQuotaError) return no('Quota exceeded (mailbox is full)', 'OVERQUOTA');
    throw error;
  }
};
