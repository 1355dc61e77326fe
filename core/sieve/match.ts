/**
 * Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric), match types (RFC 5228
 * §2.7.1 :is :contains :matches) and relational :count/:value (RFC 5231). :matches fills the
 * match variables of RFC 5229 §3.2, the leftmost wildcard taking as little as it can.
 */
import { tagString } from './spec';
import type { SieveNode } from './types';

export const COMPARATORS = ['i;octet', 'i;ascii-casemap', 'i;ascii-numeric'] as const;
export type Comparator = (typeof COMPARATORS)[number];
export const RELATIONS = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const;
export type Relation = (typeof RELATIONS)[number];

export type MatchType =
  { type: 'is' | 'contains' | 'matches' } | { type: 'count' | 'value'; relation: Relation };

export interface MatchOptions {
  comparator: Comparator;
  match: MatchType;
}

/** The comparator and match type a node asks for, with RFC 5228 defaults. */
export function matchOptions(
  node: SieveNode,
  defaultComparator: Comparator = 'i;ascii-casemap',
): MatchOptions {
  const comparator = (tagString(node, 'comparator')?.toLowerCase() ?? defaultComparator) as Comparator;
  for (const type of ['count', 'value'] as const) {
    const relation = tagString(node, type);
    if (relation !== undefined)
      return { comparator, match: { type, relation: relation.toLowerCase() as Relation } };
  }
  const plain = (['contains', 'matches'] as const).find((t) => node.tags[t] === true) ?? 'is';
  return { comparator, match: { type: plain } };
}

const foldAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function fold(comparator: Comparator, s: string): string {
  return comparator === 'i;ascii-casemap' ? foldAscii(s) : s;
}

/** RFC 4790 §9.1: the leading digits as a number; none means positive infinity (null). */
function numericValue(s: string): string | null {
  const digits = /^[0-9]+/.exec(s);
  if (!digits) return null;
  return digits[0].replace(/^0+(?=.)/, '');
}

/** Ordering of two values under a comparator: negative, zero or positive. */
export function compareValues(comparator: Comparator, a: string, b: string): number {
  if (comparator === 'i;ascii-numeric') {
    const x = numericValue(a);
    const y = numericValue(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
  }
  return Buffer.compare(Buffer.from(fold(comparator, a)), Buffer.from(fold(comparator, b)));
}

function relationHolds(relation: Relation, order: number): boolean {
  switch (relation) {
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
  }
}

type Segment = { kind: 'star' } | { kind: 'any'; count: number } | { kind: 'text'; text: string };

function segments(pattern: string): Segment[] {
  const out: Segment[] = [];
  let text = '';
  const flush = (): void => {
    if (text) out.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      text += pattern[++i];
    } else if (c === '*') {
      flush();
      out.push({ kind: 'star' });
    } else if (c === '?') {
      flush();
      const last = out.at(-1);
      if (last?.kind === 'any') last.count++;
      else out.push({ kind: 'any', count: 1 });
    } else {
      text += c;
    }
  }
  flush();
  return out;
}

/** Work bound for one :matches: a pathological pattern fails instead of spinning. */
const MATCH_BUDGET = 1_000_000;

/**
 * Glob match of value against pattern; returns the wildcard captures or null. Failed
 * (segment, position) states are remembered, which keeps the search polynomial.
 */
export function globMatch(comparator: Comparator, value: string, pattern: string): string[] | null {
  const subject = fold(comparator, value);
  const segs = segments(fold(comparator, pattern));
  const failed = new Set<number>();
  const captures: string[] = [];
  let budget = MATCH_BUDGET;
  const width = subject.length + 1;
  const walk = (si: number, pos: number): boolean => {
    if (--budget < 0) return false;
    if (si === segs.length) return pos === subject.length;
    const key = si * width + pos;
    if (failed.has(key)) return false;
    const seg = segs[si];
    const depth = captures.length;
    if (seg.kind === 'text') {
      if (subject.startsWith(seg.text, pos) && walk(si + 1, pos + seg.text.length)) return true;
    } else if (seg.kind === 'any') {
      if (pos + seg.count <= subject.length) {
        for (let k = 0; k < seg.count; k++) captures.push(value[pos + k]);
        if (walk(si + 1, pos + seg.count)) return true;
        captures.length = depth;
      }
    } else {
      for (let end = pos; end <= subject.length; end++) {
        captures.push(value.slice(pos, end));
        if (walk(si + 1, end)) return true;
        captures.length = depth;
      }
    }
    failed.add(key);
    return false;
  };
  return walk(0, 0) ? [value, ...captures] : null;
}

/** One value against one key; a :matches success returns its captures. */
function matchOne(options: MatchOptions, value: string, key: string): { ok: boolean; captures?: string[] } {
  const { comparator, match } = options;
  switch (match.type) {
    case 'is':
      return { ok: compareValues(comparator, value, key) === 0 };
    case 'contains':
      return { ok: fold(comparator, value).includes(fold(comparator, key)) };
    case 'matches': {
      const captures = globMatch(comparator, value, key);
      return captures ? { ok: true, captures } : { ok: false };
    }
    case 'value':
      return { ok: relationHolds(match.relation, compareValues(comparator, value, key)) };
    case 'count':
      return { ok: false };
  }
}

export interface MatchOutcome {
  ok: boolean;
  /** Set by a successful :matches: ${0} and one entry per wildcard. */
  captures?: string[];
}

/**
 * RFC 5228 §2.7.1: true when any value matches any key. :count compares the number of
 * values (RFC 5231 §4.1) with each key.
 */
export function testValues(options: MatchOptions, values: string[], keys: string[]): MatchOutcome {
  if (options.match.type === 'count') {
    const count = String(values.length);
    const relation = options.match.relation;
    return { ok: keys.some((k) => relationHolds(relation, compareValues(options.comparator, count, k))) };
  }
  for (const value of values) {
    for (const key of keys) {
      const r = matchOne(options, value, key);
      if (r.ok) return r;
    }
  }
  return { ok: false };
}
