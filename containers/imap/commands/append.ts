/**
 * APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), UIDPLUS APPENDUID, BINARY literal8,
 * UTF8=ACCEPT's "UTF8 (literal8)" and CATENATE (RFC 4469, commands/catenate.ts). Size and quota
 * were checked when each literal was announced (see ImapSession.decideLiteral); CATENATE's URL
 * parts are checked once resolved, and the transaction re-checks the quota.
 */
import { OverQuotaError } from '../../../core/store/copy-move';
import type { AppendItem, AppendResult } from '../../../core/store/imap-append';
import { formatSequenceSet } from '../format/strings';
import { parseAppendMessage, type AppendMessage } from '../parser/append-grammar';
import { parseMailbox } from '../parser/grammar';
import { ParseError } from '../parser/tokenizer';
import { applyChanges } from '../mailbox-sync';
import type { ImapSession } from '../session';
import { no, ok, type CommandResult } from '../types';
import { isResult, openMailbox, permittedFlags, TRYCREATE } from './access';
import { assemble } from './catenate';
import type { Handler } from './context';

export const append: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  const messages: AppendMessage[] = [];
  while (!t.atEnd) {
    t.sp();
    messages.push(parseAppendMessage(t));
    if (messages.length > 1000) throw new ParseError('Too many messages in one APPEND');
  }
  if (messages.length === 0) throw new ParseError('Missing message literal');
  const found = await openMailbox(s, name, 'i', TRYCREATE);
  if (isResult(found)) return found;
  const items: AppendItem[] = [];
  for (const message of messages) {
    const item = await toItem(s, message);
    if ('status' in item) return item;
    items.push({ ...item, flags: permittedFlags(found.rights, item.flags) });
  }
  try {
    const selected = s.selected;
    const claimRecent = selected?.id === found.mailbox.id && !selected.readOnly && !s.rev2;
    const result = await s.services.appender.append(found.ownerId, found.mailbox.id, items, { claimRecent });
    await reportOwnAppend(s, found.mailbox.id, result, items);
    return ok('APPEND completed', `APPENDUID ${result.uidvalidity} ${formatSequenceSet(result.uids)}`);
  } catch (error) {
    if (error instanceof OverQuotaError) return no('Quota exceeded (mailbox is full)', 'OVERQUOTA');
    throw error;
  }
};

/**
 * APPEND into the selected mailbox: when nothing else changed it meanwhile (ImapSession.ownWrite),
 * the new messages are reported as they are known here, without reading the mailbox again.
 */
async function reportOwnAppend(
  s: ImapSession,
  mailboxId: number,
  result: AppendResult,
  items: AppendItem[],
): Promise<void> {
  const selected = s.selected;
  if (!selected || selected.id !== mailboxId || result.uidvalidity !== selected.mailbox.uidvalidity) return;
  // Claimed for this session: \Recent here whichever way the messages are reported.
  if (result.recentClaimed) for (const uid of result.uids) selected.recent.add(uid);
  if (selected.readOnly || !s.ownWrite(mailboxId, result.modseq, result.uids.length)) return;
  const keywords = new Set(items.flatMap((item) => item.flags.filter((f) => !f.startsWith('\\'))));
  await applyChanges(
    s,
    selected,
    {
      uidvalidity: result.uidvalidity,
      uidnext: result.uids[result.uids.length - 1] + 1,
      highestmodseq: result.modseq,
      recentUid: 0, // read-only views use it; this one is read-write
      flags: [],
      expunged: [],
      added: result.uids,
      addedKeywords: [...keywords],
    },
    false,
    result.recentClaimed ? { from: result.uids[0], to: result.uids[result.uids.length - 1] + 1 } : undefined,
  );
}

/** The bytes of one append-message (CATENATE resolved), or the NO to answer. */
export async function toItem(s: ImapSession, message: AppendMessage): Promise<AppendItem | CommandResult> {
  const data = Buffer.isBuffer(message.data) ? message.data : await assemble(s, message.data);
  if (!Buffer.isBuffer(data)) return data;
  if (data.length === 0) return no('Cannot append an empty message');
  return { data, flags: message.flags, internalDate: message.internalDate };
}
