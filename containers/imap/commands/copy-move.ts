/**
 * COPY / UID COPY (COPYUID, UIDPLUS) and MOVE / UID MOVE (RFC 6851). With ACLs (RFC 4314 §4):
 * the target needs "i" (flags the target's s/t/w rights do not allow are dropped), MOVE also
 * needs "t" and "e" on the source, as it sets \Deleted and expunges there.
 */
import { OverQuotaError } from '../../../core/store/copy-move';
import { formatSequenceSet } from '../format/strings';
import { parseMailbox, parseSequenceSet } from '../parser/grammar';
import type { ImapSession } from '../session';
import { no, ok, type CommandResult } from '../types';
import { flagRights, isResult, NOPERM, openMailbox, selectedHas, TRYCREATE } from './access';
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
  if (mode === 'move' && !(selectedHas(selected, 't') && selectedHas(selected, 'e'))) return NOPERM;
  const target = await openMailbox(s, name, 'i', TRYCREATE);
  if (isResult(target)) return target;
  const verb = mode === 'copy' ? 'COPY' : 'MOVE';
  if (uids.length === 0) return ok(`${verb} completed, no messages`);
  try {
    const mover = s.services.mover;
    const plan = {
      sourceOwnerId: selected.mailbox.account_id,
      sourceId: selected.id,
      targetOwnerId: target.ownerId,
      targetId: target.mailbox.id,
      keep: flagRights(target.rights),
    };
    const result = mode === 'copy' ? await mover.copy(plan, uids) : await mover.move(plan, uids);
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
