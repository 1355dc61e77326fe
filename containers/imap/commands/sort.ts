/**
 * SORT / UID SORT (RFC 5256 §3) with ESORT (RETURN, RFC 5267 §3), CONTEXT=SORT (RFC 5267 §4),
 * SORT=DISPLAY (RFC 5957) and PARTIAL (RFC 9394). Without RETURN the answer is `* SORT ...`.
 */
import { sortRows, sortValues } from '../../../core/store/search/sort-order';
import { parseSortProgram } from '../parser/search-grammar';
import { ok } from '../types';
import type { Handler } from './context';
import { answerReturns } from './search-answer';
import { compile, matchingRows, parseProgram } from './search-run';

export const sort: Handler = async (s, { tag, uid, t }) => {
  const selected = s.selected!;
  t.sp();
  const parsed = parseProgram(s, t, parseSortProgram);
  if ('refused' in parsed) return parsed.refused;
  const { program } = parsed;
  const usesModseq = { value: false };
  const key = compile(s, program.key, usesModseq);
  const rows = sortRows(await matchingRows(s, key, { envelope: true }), program.criteria);
  const update = program.returns?.update ?? false;
  const number = (u: number): number => (uid ? u : selected.seqOf(u));
  if (!program.returns) {
    s.send(`* SORT${rows.map((r) => ' ' + number(r.uid)).join('')}\r\n`);
    return ok('SORT completed');
  }
  const entries = rows.map((r) => ({ uid: r.uid, number: number(r.uid), modseq: r.modseq }));
  answerReturns(s, {
    tag,
    uid,
    entries,
    returns: program.returns,
    usesModseq: usesModseq.value,
    key,
    sort: program.criteria,
    values: update ? new Map(rows.map((r) => [r.uid, sortValues(r, program.criteria)])) : undefined,
  });
  return ok('SORT completed');
};
