/** CALDAV:text-match (RFC 4791 §9.7.5): a substring test under a collation (RFC 4790). */
import type { Collation, TextMatch } from './query-types';

function fold(s: string, collation: Collation): string {
  switch (collation) {
    case 'i;octet':
      return s;
    case 'i;ascii-casemap':
      return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    case 'i;unicode-casemap':
      // RFC 5051: NFKD then case fold; toLowerCase of the decomposed form is close enough for a filter.
      return s.normalize('NFKD').toLowerCase().normalize('NFKD');
  }
}

export function textMatches(match: TextMatch, values: string[]): boolean {
  const needle = fold(match.text, match.collation);
  const found = values.some((v) => fold(v, match.collation).includes(needle));
  return match.negate ? !found : found;
}
