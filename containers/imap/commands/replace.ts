/**
 * REPLACE / UID REPLACE (RFC 8508): appends a new message (literal, literal8 or CATENATE) to a
 * mailbox and expunges one message of the selected mailbox, in one transaction: both or
 * neither. Answers `* OK [APPENDUID v uid]`, then (within the selected mailbox) its EXISTS, then the
 * EXPUNGE (or VANISHED) of the old message, then the tagged OK. Rights as for APPEND on the target and for MOVE on the source ("t", "e").
 */
import { OverQuotaError } from '../../../core/store/copy-move';
import { ReplacedMessageGoneError } from '../../../core/store/imap-append';
import { parseAppendMessage } from '../parser/append-grammar';
import { parseMailbox } from '../parser/grammar';
import { ParseError } from '../parser/tokenizer';
import { no, ok } from '../types';
import { isResult, NOPERM, openMailbox, permittedFlags, selectedHas, TRYCREATE } from './access';
import { toItem } from './append';
import type { Handler } from './context';

export const replace: Handler = async (s, { uid, t }) => {
  const selected = s.selected!;
  t.sp();
  const star = t.accept('*');
  const number = star ? 0 : t.nzNumber();
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.sp();
  const message = parseAppendMessage(t);
  t.end();
  let target: number | undefined;
  if (uid) {
    target = star ? selected.maxUid || undefined : selected.has(number) ? number : undefined;
  } else {
    const n = star ? selected.exists : number;
    if (n < 1 || n > selected.exists) throw new ParseError('Invalid message sequence number');
    target = selected.uids[n - 1];
  }
  if (selected.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
  if (target === undefined || selected.pendingExpunges.has(target)) return no('No such message to replace');
  if (!(selectedHas(selected, 't') && selectedHas(selected, 'e'))) return NOPERM;
  const found = await openMailbox(s, name, 'i', TRYCREATE);
  if (isResult(found)) return found;
  const item = await toItem(s, message);
  if ('status' in item) return item;
  try {
    const result = await s.services.appender.replace(
      found.ownerId,
      found.mailbox.id,
      { ...item, flags: permittedFlags(found.rights, item.flags) },
      { accountId: selected.mailbox.account_id, mailboxId: selected.id, uid: target },
    );
    s.send(`* OK [APPENDUID ${result.uidvalidity} ${result.uids[0]}] Replacement message ready\r\n`);
    // RFC 8508 §3.3: replacing within the selected mailbox, the new message's EXISTS comes first.
    if (found.mailbox.id === selected.id) await s.sync(false);
    s.reportExpunges(result.expunged);
    return ok('REPLACE completed');
  } catch (error) {
    if (error instanceof OverQuotaError) return no('Quota exceeded (mailbox is full)', 'OVERQUOTA');
    if (error instanceof ReplacedMessageGoneError)
      return no('The message to replace was expunged', 'EXPUNGEISSUED');
    throw error;
  }
};
