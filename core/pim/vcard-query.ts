/**
 * CardDAV addressbook-query filters (RFC 6352 §10.5): prop-filter, param-filter, text-match with
 * the i;ascii-casemap, i;unicode-casemap and i;octet collations (RFC 4790, RFC 5051) and the
 * equals / contains / starts-with / ends-with match types, evaluated on parsed vCards.
 */
import type { ParsedVcard, VcardProperty } from './vcard';

export type VcardCollation = 'i;ascii-casemap' | 'i;unicode-casemap' | 'i;octet';
export const VCARD_COLLATIONS: readonly VcardCollation[] = [
  'i;ascii-casemap',
  'i;unicode-casemap',
  'i;octet',
];
export type MatchType = 'equals' | 'contains' | 'starts-with' | 'ends-with';

export interface VcardTextMatch {
  text: string;
  collation: VcardCollation;
  matchType: MatchType;
  negate: boolean;
}

export interface ParamFilter {
  name: string;
  isNotDefined: boolean;
  textMatch: VcardTextMatch | null;
}

export interface PropFilter {
  name: string;
  test: 'anyof' | 'allof';
  isNotDefined: boolean;
  textMatches: VcardTextMatch[];
  paramFilters: ParamFilter[];
}

export interface VcardFilter {
  test: 'anyof' | 'allof';
  propFilters: PropFilter[];
}

function fold(s: string, collation: VcardCollation): string {
  if (collation === 'i;octet') return s;
  if (collation === 'i;ascii-casemap') return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return s.normalize('NFKD').toLowerCase();
}

export function textMatches(match: VcardTextMatch, value: string): boolean {
  const v = fold(value, match.collation);
  const t = fold(match.text, match.collation);
  const hit =
    match.matchType === 'equals'
      ? v === t
      : match.matchType === 'starts-with'
        ? v.startsWith(t)
        : match.matchType === 'ends-with'
          ? v.endsWith(t)
          : v.includes(t);
  return match.negate ? !hit : hit;
}

function paramMatches(filter: ParamFilter, prop: VcardProperty): boolean {
  const values = prop.params[filter.name.toUpperCase()];
  if (filter.isNotDefined) return values === undefined;
  if (values === undefined) return false;
  if (!filter.textMatch) return true;
  // TYPE=work,home is one parameter with two values: any of them may match.
  const split = values.flatMap((v) => v.split(','));
  return split.some((v) => textMatches(filter.textMatch!, v));
}

function propMatches(filter: PropFilter, card: ParsedVcard): boolean {
  const props = card.properties.filter((p) => p.name === filter.name.toUpperCase());
  if (filter.isNotDefined) return props.length === 0;
  if (props.length === 0) return false;
  const tests: ((p: VcardProperty) => boolean)[] = [
    ...filter.textMatches.map((m) => (p: VcardProperty) => textMatches(m, p.value)),
    ...filter.paramFilters.map((f) => (p: VcardProperty) => paramMatches(f, p)),
  ];
  if (tests.length === 0) return true;
  return props.some((p) => (filter.test === 'allof' ? tests.every((t) => t(p)) : tests.some((t) => t(p))));
}

export function matchesVcardFilter(filter: VcardFilter, card: ParsedVcard): boolean {
  if (filter.propFilters.length === 0) return true;
  return filter.test === 'allof'
    ? filter.propFilters.every((f) => propMatches(f, card))
    : filter.propFilters.some((f) => propMatches(f, card));
}
