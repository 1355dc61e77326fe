/** STORE / UID STORE (RFC 9051 §6.4.6) with CONDSTORE UNCHANGEDSINCE and [MODIFIED]. */
import { retainedFlags } from '../../../core/store/expunge-retention';
import { storeFlags } from '../../../core/store/flags';
import { formatSequenceSet } from '../format/strings';
import { parseSequenceSet, parseStoreArgs } from '../parser/grammar';
import { no, ok } from '../types';
import type { Handler } from './context';
import { fixedFlags, storableFlags } from './access';

export const store: Handler = async (s, { uid, t }) => {
  const selected = s.selected!;
  t.sp();
  const set = parseSequenceSet(t);
  t.sp();
  const args = parseStoreArgs(t);
  if (selected.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
  if (args.unchangedSince !== null) s.enableCondstore();
  const named = selected.resolve(set, uid, s.saved);
  const uids = named.filter((u) => !selected.pendingExpunges.has(u));
  const flags = storableFlags(
    selected,
    args.op,
    args.flags.filter((f) => f !== '\\Recent'),
  );
  if (!Array.isArray(flags)) return flags;
  const result = await storeFlags(s.services.deps.db, s.services.deps.events, {
    accountId: selected.mailbox.account_id,
    mailboxId: selected.id,
    uids,
    op: args.op,
    flags,
    unchangedSince: args.unchangedSince,
    fixed: fixedFlags(selected),
  });
  // One MODSEQ for the command; once the view has advanced by it, no report can echo it back.
  const advanced = result.updated.length > 0 && s.ownWrite(selected.id, result.updated[0].modseq, 1);
  if (!advanced) for (const u of result.updated) selected.own.set(u.uid, u.modseq);
  // Expunged elsewhere, not yet reported here: nothing is stored; the echo shows the last known
  // flags (expunge-retention.ts), so the client sees the change did not apply.
  const found = new Set([...result.updated, ...result.unchanged].map((u) => u.uid).concat(result.modified));
  const gone = args.silent ? [] : named.filter((u) => !found.has(u));
  const kept = await retainedFlags(s.services.deps.db, selected.id, gone);
  const report = [...result.updated, ...(args.silent ? [] : result.unchanged), ...kept].sort(
    (a, b) => a.uid - b.uid,
  );
  for (const change of report) {
    const seq = selected.seqOf(change.uid);
    if (seq === 0) continue;
    // .SILENT suppresses the echo; with CONDSTORE the new MODSEQ is still reported (RFC 7162 §3.2).
    if (args.silent && !(s.condstore && args.unchangedSince !== null)) continue;
    const parts = [];
    if (!args.silent) parts.push(s.flagsItem(change.uid, change.flags));
    if ((uid || s.qresync) && !s.uidonly) parts.unshift(`UID ${change.uid}`);
    if (s.condstore) parts.push(`MODSEQ (${change.modseq})`);
    s.send(`${s.fetchStart(seq, change.uid)}${parts.join(' ')})\r\n`);
    await s.maybeFlush();
  }
  if (result.modified.length > 0) {
    const numbers = uid
      ? result.modified
      : result.modified.map((u) => selected.seqOf(u)).filter((n) => n > 0);
    return ok('Conditional STORE failed for some messages', `MODIFIED ${formatSequenceSet(numbers)}`);
  }
  return ok('STORE completed');
};
