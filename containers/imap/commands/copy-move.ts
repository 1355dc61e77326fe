/** COPY / UID COPY (COPYUID, UIDPLUS) and MOVE / UID MOVE (RFC 6851). */
import { OverQuotaError } from '../../../core/store/copy-move';
import { formatSequenceSet } from '../format/strings';
import { parseMailbox, parseSequenceSet } from '../parser/grammar';
import type { ImapSession } from '../session';
import { no, ok, type CommandResult } from '../types';
import type { CommandContext, Handler } from './context';

async function transfer(
  s: ImapSession,
  { uid, t }: CommandContext,
  mode: 'copy' | 'move',
): Promise<CommandResult> {
  const selected = s.selected!;
  t.sp();
  const set = parseSequenceSet(t);
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.end();
  const uids = selected.resolve(set, uid, s.saved).filter((u) => !selected.pendingExpunges.has(u));
  if (mode === 'move' && selected.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
  const target = await s.services.admin.get(s.account!.id, name);
  if (!target) return no('Mailbox does not exist', 'TRYCREATE');
  const verb = mode === 'copy' ? 'COPY' : 'MOVE';
  if (uids.length === 0) return ok(`${verb} completed, no messages`);
  try {
    const mover = s.services.mover;
    const result =
      mode === 'copy'
        ? await mover.copy(s.account!.id, selected.id, target.id, uids)
        : await mover.move(s.account!.id, selected.id, target.id, uids);
    const code =
      result.sourceUids.length > 0
        ? `COPYUID ${result.uidvalidity} ${formatSequenceSet(result.sourceUids)} ${formatSequenceSet(result.targetUids)}`
        : undefined;
    if (mode === 'copy') return ok('COPY completed', code);
    if (code) s.send(`* OK [${code}] Moved\r\n`);
    s.reportExpunges(result.sourceUids);
    return ok('MOVE completed');
  } catch (error) {
    if (error instanceof OverQuotaError) return no('Quota exceeded (mailbox is full)', 'OVERQUOTA');
    throw error;
  }
}

export const copy: Handler = (s, ctx) => transfer(s, ctx, 'copy');
export const move: Handler = (s, ctx) => transfer(s, ctx, 'move');
