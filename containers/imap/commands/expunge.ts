/** CHECK, CLOSE, UNSELECT, EXPUNGE and UID EXPUNGE (UIDPLUS). */
import { parseSequenceSet } from '../parser/grammar';
import { no, ok } from '../types';
import type { Handler } from './context';
import { selectedHas } from './access';

export const check: Handler = async (_s, { t }) => {
  t.end();
  return ok('CHECK completed');
};

export const close: Handler = async (s, { t }) => {
  t.end();
  const selected = s.selected!;
  // Without the "e" right CLOSE still closes, silently without expunging (RFC 4314 §4).
  if (!selected.readOnly && selectedHas(selected, 'e')) {
    await s.services.mover.expungeDeleted(selected.mailbox.account_id, selected.id);
  }
  s.deselect();
  return ok('CLOSE completed');
};

export const unselect: Handler = async (s, { t }) => {
  t.end();
  s.deselect();
  return ok('UNSELECT completed');
};

export const expunge: Handler = async (s, { uid, t }) => {
  let within: number[] | undefined;
  const selected = s.selected!;
  if (uid) {
    t.sp();
    within = selected.resolve(parseSequenceSet(t), true, s.saved);
  }
  t.end();
  if (selected.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
  // Without "e" nothing is expunged; OK as from Dovecot and as CLOSE does (RFC 4314 §4).
  if (!selectedHas(selected, 'e')) return ok('EXPUNGE completed (no expunge right here)');
  const { removed, modseq } = await s.services.mover.expungeDeleted(
    selected.mailbox.account_id,
    selected.id,
    within,
  );
  if (removed.length > 0) s.ownWrite(selected.id, modseq, 1);
  // Other sessions' expunges are reported too (the sync after the command), ours right here.
  s.reportExpunges(removed);
  return ok('EXPUNGE completed');
};
