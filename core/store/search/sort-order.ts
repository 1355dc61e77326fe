/**
 * SORT order (RFC 5256 §3, SORT=DISPLAY RFC 5957): the value of each sort key for a message and
 * the comparison of two messages; ties fall back to the sequence (= UID) order.
 */
import { decodeHeaderValue } from '../../mime';
import type { Address } from '../../mime/types';
import { baseSubject } from './base-subject';
import { asciiCasemapKey, compareUtf8, unicodeCasemapKey } from './collation';
import { sentTime, type SearchRow } from './search-engine';

export const SORT_KEYS = [
  'ARRIVAL',
  'CC',
  'DATE',
  'FROM',
  'SIZE',
  'SUBJECT',
  'TO',
  'DISPLAYFROM',
  'DISPLAYTO',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

/** The first real address of a list (group markers skipped). */
function firstAddress(list: Address[] | null | undefined): Address | null {
  return list?.find((a) => a.host !== null) ?? null;
}

/** RFC 5256: the addr-mailbox (local part) of the first address, i;ascii-casemap. */
function mailboxKey(list: Address[] | null | undefined): string {
  return asciiCasemapKey(firstAddress(list)?.mailbox ?? '');
}

/**
 * RFC 5957 §3: the decoded display-name of the first address if it is not empty, else its
 * addr-spec (mailbox@host); an empty string when there is no address. i;unicode-casemap.
 */
export function displayKey(list: Address[] | null | undefined): string {
  const first = firstAddress(list);
  if (!first) return '';
  const name = first.name ? decodeHeaderValue(first.name).trim() : '';
  const text = name || (first.mailbox ? `${first.mailbox}@${first.host}` : '');
  return unicodeCasemapKey(text);
}

export function sortValue(row: SearchRow, key: SortKey): string | number {
  const env = row.envelope;
  switch (key) {
    case 'ARRIVAL':
      return row.internalDate.getTime();
    case 'SIZE':
      return row.size;
    case 'DATE':
      return sentTime(env?.date) ?? row.internalDate.getTime();
    case 'SUBJECT':
      return baseSubject(env?.subject ?? null).base;
    case 'FROM':
      return mailboxKey(env?.from);
    case 'TO':
      return mailboxKey(env?.to);
    case 'CC':
      return mailboxKey(env?.cc);
    case 'DISPLAYFROM':
      return displayKey(env?.from);
    case 'DISPLAYTO':
      return displayKey(env?.to);
  }
}

export type SortValues = (string | number)[];

export function sortValues(row: SearchRow, criteria: SortCriterion[]): SortValues {
  return criteria.map((c) => sortValue(row, c.key));
}

/** Orders UIDs by their sort values (same length as `criteria`); ties by UID. */
export function compareSorted(
  criteria: SortCriterion[],
): (a: { uid: number; values: SortValues }, b: { uid: number; values: SortValues }) => number {
  return (a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const x = a.values[i];
      const y = b.values[i];
      const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : compareUtf8(String(x), String(y));
      if (cmp !== 0) return criteria[i].reverse ? -cmp : cmp;
    }
    return a.uid - b.uid;
  };
}

/** Sorts `rows` in place by `criteria`; rows need their envelope. */
export function sortRows(rows: SearchRow[], criteria: SortCriterion[]): SearchRow[] {
  const values = new Map(rows.map((r) => [r.uid, sortValues(r, criteria)]));
  const compare = compareSorted(criteria);
  return rows.sort((a, b) =>
    compare({ uid: a.uid, values: values.get(a.uid)! }, { uid: b.uid, values: values.get(b.uid)! }),
  );
}
