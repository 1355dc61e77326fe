/**
 * Answering a SEARCH or SORT that has RETURN options (or any SEARCH in IMAP4rev2 mode): SAVE
 * into "$", RETURN (UPDATE) contexts, then one ESEARCH response.
 */
import type { CoreSearchKey } from '../../../core/store/search/search-engine';
import type { SortCriterion, SortValues } from '../../../core/store/search/sort-order';
import type { ReturnOptions } from '../parser/search-grammar';
import type { ImapSession } from '../session';
import { addContext } from './context-updates';
import { esearchLine, quoteTag, savedUids, type ResultEntry } from './search-return';

export interface ReturnAnswer {
  tag: string;
  uid: boolean;
  entries: ResultEntry[];
  returns: ReturnOptions;
  usesModseq: boolean;
  key: CoreSearchKey;
  sort: SortCriterion[] | null;
  /** SORT with UPDATE: the sort values of the result (see context-updates.ts). */
  values?: Map<number, SortValues>;
}

/** RFC 5182 §2.1: RETURN (SAVE) alone answers with no ESEARCH. */
export function onlySave(r: ReturnOptions): boolean {
  return r.save && !r.min && !r.max && !r.all && !r.count && !r.partial;
}

/** Sends the untagged part of the answer. */
export function answerReturns(s: ImapSession, a: ReturnAnswer): void {
  const { returns } = a;
  if (returns.save) s.saved = savedUids(a.entries, returns);
  if (returns.update) {
    const kept = addContext(s, {
      tag: a.tag,
      uid: a.uid,
      selected: s.selected!,
      key: a.key,
      sort: a.sort,
      uids: a.entries.map((e) => e.uid),
      values: a.values ?? null,
    });
    if (!kept) s.send(`* NO [NOUPDATE ${quoteTag(a.tag)}] Too many search contexts\r\n`);
  }
  if (!onlySave(returns)) s.send(esearchLine(a.tag, a.uid, a.entries, returns, a.usesModseq));
}
