/**
 * ESEARCH result data for SEARCH and SORT (RFC 4731, ESORT RFC 5267 §3, PARTIAL RFC 9394,
 * CONDSTORE RFC 7162 §3.1.5) and the SEARCHRES "$" they save (RFC 5182). The result is a
 * list in result order: ascending for SEARCH, sort order for SORT, so MIN/MAX are its first
 * and last entries either way and ALL keeps the order (ascending runs written as ranges).
 */
import { formatSequenceSet } from '../format/strings';
import type { PartialRange, ReturnOptions } from '../parser/search-grammar';

export interface ResultEntry {
  uid: number;
  /** What the client sees: the UID for UID SEARCH/SORT, else the sequence number. */
  number: number;
  modseq: number;
}

/** The entries a PARTIAL range names (positions beyond the result name nothing). */
export function partialSlice<T>(entries: T[], range: PartialRange): T[] {
  const n = entries.length;
  if (!range.fromEnd) return entries.slice(range.from - 1, Math.min(range.to, n));
  const start = Math.max(n - range.to, 0);
  const end = n - range.from + 1;
  return end <= 0 ? [] : entries.slice(start, end);
}

export function formatPartialRange(range: PartialRange): string {
  return range.fromEnd ? `-${range.from}:-${range.to}` : `${range.from}:${range.to}`;
}

export function quoteTag(tag: string): string {
  return `"${tag.replace(/[\\"]/g, '\\$&')}"`;
}

/** The UIDs SAVE stores in "$": those returned by MIN/MAX or PARTIAL when given, else all. */
export function savedUids(entries: ResultEntry[], returns: ReturnOptions): number[] {
  if (returns.min || returns.max) {
    const picked: number[] = [];
    if (entries.length > 0) {
      if (returns.min) picked.push(entries[0].uid);
      if (returns.max) picked.push(entries[entries.length - 1].uid);
    }
    return [...new Set(picked)].sort((a, b) => a - b);
  }
  const chosen = returns.partial ? partialSlice(entries, returns.partial) : entries;
  return chosen.map((e) => e.uid).sort((a, b) => a - b);
}

/**
 * `* ESEARCH (TAG "t") [UID] MIN.. MAX.. ALL.. PARTIAL.. COUNT.. MODSEQ..`. MODSEQ (when the
 * search had a MODSEQ criterion) is the highest of the messages returned: all matches with ALL
 * or COUNT, else those named by MIN/MAX/PARTIAL (RFC 7162 §3.1.5).
 */
export function esearchLine(
  tag: string,
  uid: boolean,
  entries: ResultEntry[],
  returns: ReturnOptions,
  usesModseq: boolean,
): string {
  const parts = [`* ESEARCH (TAG ${quoteTag(tag)})`];
  if (uid) parts.push('UID');
  const returned: ResultEntry[] = [];
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first && returns.min) {
    parts.push(`MIN ${first.number}`);
    returned.push(first);
  }
  if (last && returns.max) {
    parts.push(`MAX ${last.number}`);
    returned.push(last);
  }
  if (entries.length > 0 && returns.all) parts.push(`ALL ${formatSequenceSet(entries.map((e) => e.number))}`);
  if (returns.partial) {
    const slice = partialSlice(entries, returns.partial);
    returned.push(...slice);
    const set = slice.length > 0 ? formatSequenceSet(slice.map((e) => e.number)) : 'NIL';
    parts.push(`PARTIAL (${formatPartialRange(returns.partial)} ${set})`);
  }
  if (returns.count) parts.push(`COUNT ${entries.length}`);
  if (usesModseq && entries.length > 0) {
    const counted = returns.all || returns.count ? entries : returned;
    if (counted.length > 0) parts.push(`MODSEQ ${counted.reduce((m, e) => Math.max(m, e.modseq), 0)}`);
  }
  return parts.join(' ') + '\r\n';
}
