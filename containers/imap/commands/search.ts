/**
 * SEARCH / UID SEARCH (RFC 9051 §6.4.4) with ESEARCH (RFC 4731), SEARCHRES (RFC 5182),
 * CONDSTORE MODSEQ, WITHIN, CONTEXT=SEARCH (RFC 5267) and PARTIAL (RFC 9394). SORT is in
 * sort.ts, THREAD in thread.ts; the shared parts in search-run.ts and search-return.ts.
 */
import { parseSearchProgram, type ReturnOptions } from '../parser/search-grammar';
import { ok } from '../types';
import type { CommandContext, Handler } from './context';
import { answerReturns, onlySave } from './search-answer';
import { compile, matchingRows, parseProgram } from './search-run';

export { sort } from './sort';
export { thread } from './thread';

/** IMAP4rev2 answers every SEARCH with ESEARCH, as if RETURN (ALL) had been given. */
const REV2_RETURNS: ReturnOptions = {
  min: false,
  max: false,
  all: true,
  count: false,
  save: false,
  update: false,
  context: false,
  partial: null,
};

export const search: Handler = async (s, { tag, uid, t }: CommandContext) => {
  const selected = s.selected!;
  t.sp();
  const parsed = parseProgram(s, t, parseSearchProgram);
  if ('refused' in parsed) return parsed.refused;
  const { program } = parsed;
  const usesModseq = { value: false };
  const key = compile(s, program.key, usesModseq);
  const rows = await matchingRows(s, key);
  const returns = program.returns ?? (s.rev2 ? REV2_RETURNS : null);
  if (!returns) {
    const numbers = rows.map((r) => (uid ? r.uid : selected.seqOf(r.uid)));
    const maxModseq = rows.reduce((m, r) => Math.max(m, r.modseq), 0);
    const modseq = usesModseq.value && numbers.length > 0 ? ` (MODSEQ ${maxModseq})` : '';
    s.send(`* SEARCH${numbers.map((n) => ' ' + n).join('')}${modseq}\r\n`);
    return ok('SEARCH completed');
  }
  const entries = rows.map((r) => ({
    uid: r.uid,
    number: uid ? r.uid : selected.seqOf(r.uid),
    modseq: r.modseq,
  }));
  answerReturns(s, { tag, uid, entries, returns, usesModseq: usesModseq.value, key, sort: null });
  return ok(onlySave(returns) ? 'SEARCH completed, result saved' : 'SEARCH completed');
};
