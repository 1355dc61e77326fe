/**
 * SEARCH keys and programs (RFC 9051 §6.4.4, ESEARCH RETURN, CONDSTORE MODSEQ, WITHIN), the
 * RETURN options of ESORT/CONTEXT/PARTIAL and SORT criteria (RFC 5256, RFC 5957) as plain data.
 */
import { parseDate, parseFlag, parseSequenceSet, type SequenceSet } from './grammar';
import { SORT_KEYS, type SortCriterion } from '../../../core/store/search/sort-order';
import { ParseError, Tokenizer } from './tokenizer';
import { parseObjectSearchKey, type ObjectSearchKey } from './object-search-keys';

export type SearchKey =
  | { op: 'all' }
  | { op: 'and'; keys: SearchKey[] }
  | { op: 'or'; left: SearchKey; right: SearchKey }
  | { op: 'not'; key: SearchKey }
  | { op: 'seq'; set: SequenceSet }
  | { op: 'uid'; set: SequenceSet }
  | { op: 'flag'; flag: string; present: boolean }
  | { op: 'recent'; present: boolean }
  | { op: 'new' }
  | { op: 'header'; field: string; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  | { op: 'date'; field: 'internal' | 'sent'; cmp: 'before' | 'on' | 'since'; date: Date }
  | { op: 'size'; cmp: 'larger' | 'smaller'; size: number }
  | { op: 'modseq'; modseq: number }
  | { op: 'age'; cmp: 'older' | 'younger'; seconds: number }
  | ObjectSearchKey;

export interface SearchProgram {
  charset: string | null;
  key: SearchKey;
  /** ESEARCH RETURN options; null for a plain SEARCH. */
  returns: ReturnOptions | null;
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);

export function parseSearchKey(t: Tokenizer, decode: (b: Buffer) => string, depth = 0): SearchKey {
  if (depth > 50) throw new ParseError('Search key nested too deeply');
  const c = t.peek();
  if (c === 0x28) {
    const keys: SearchKey[] = [];
    t.list(() => keys.push(parseSearchKey(t, decode, depth + 1)), false);
    return keys.length === 1 ? keys[0] : { op: 'and', keys };
  }
  if ((c >= 0x30 && c <= 0x39) || c === 0x2a || c === 0x24) return { op: 'seq', set: parseSequenceSet(t) };
  const name = t.atom().toUpperCase();
  const str = (): string => {
    t.sp();
    return decode(t.astringBytes());
  };
  if (FLAG_KEYS[name]) return { op: 'flag', flag: FLAG_KEYS[name][0], present: FLAG_KEYS[name][1] };
  if (DATE_KEYS[name]) {
    t.sp();
    const [field, cmp] = DATE_KEYS[name];
    return { op: 'date', field, cmp, date: parseDate(t) };
  }
  if (HEADER_KEYS.has(name)) return { op: 'header', field: name.toLowerCase(), value: str() };
  const objectKey = parseObjectSearchKey(name, t); // EMAILID, THREADID, SAVED* (helper A)
  if (objectKey) return objectKey;
  switch (name) {
    case 'ALL':
      return { op: 'all' };
    case 'NEW':
      return { op: 'new' };
    case 'OLD':
      return { op: 'recent', present: false };
    case 'RECENT':
      return { op: 'recent', present: true };
    case 'KEYWORD':
    case 'UNKEYWORD': {
      t.sp();
      const flag = parseFlag(t);
      return { op: 'flag', flag, present: name === 'KEYWORD' };
    }
    case 'BODY':
      return { op: 'body', value: str() };
    case 'TEXT':
      return { op: 'text', value: str() };
    case 'HEADER': {
      t.sp();
      const field = t.astring().toLowerCase();
      return { op: 'header', field, value: str() };
    }
    case 'LARGER':
    case 'SMALLER':
      t.sp();
      return { op: 'size', cmp: name === 'LARGER' ? 'larger' : 'smaller', size: t.number() };
    case 'NOT':
      t.sp();
      return { op: 'not', key: parseSearchKey(t, decode, depth + 1) };
    case 'OR': {
      t.sp();
      const left = parseSearchKey(t, decode, depth + 1);
      t.sp();
      const right = parseSearchKey(t, decode, depth + 1);
      return { op: 'or', left, right };
    }
    case 'UID':
      t.sp();
      return { op: 'uid', set: parseSequenceSet(t) };
    case 'MODSEQ': {
      t.sp();
      if (t.peek() === 0x22) {
        t.quoted(); // entry-name
        t.sp();
        const type = t.atom().toLowerCase();
        if (!['priv', 'shared', 'all'].includes(type)) throw new ParseError('Invalid MODSEQ entry type');
        t.sp();
      }
      return { op: 'modseq', modseq: t.number() };
    }
    case 'OLDER':
    case 'YOUNGER':
      t.sp();
      return { op: 'age', cmp: name === 'OLDER' ? 'older' : 'younger', seconds: t.nzNumber() };
    default:
      throw new ParseError(`Unknown search key ${name}`);
  }
}

/** RFC 9394 partial-range: 1-based positions in the result, counted from its end when `fromEnd`. */
export interface PartialRange {
  from: number;
  to: number;
  fromEnd: boolean;
}

/** RETURN options of SEARCH and SORT (RFC 4731, RFC 5182, RFC 5267, RFC 9394). */
export interface ReturnOptions {
  min: boolean;
  max: boolean;
  all: boolean;
  count: boolean;
  save: boolean;
  /** CONTEXT=SEARCH/SORT: keep the result up to date with ADDTO/REMOVETO. */
  update: boolean;
  /** CONTEXT: a hint that the result will be used again; no effect on the answer. */
  context: boolean;
  partial: PartialRange | null;
}

const PARTIAL_RANGE = /^(-?)([1-9][0-9]{0,9}):(-?)([1-9][0-9]{0,9})$/;

/** partial-range-first = nz-number ":" nz-number / partial-range-last = "-" nz-number ":" "-" nz-number. */
export function parsePartialRange(t: Tokenizer): PartialRange {
  const start = t.pos;
  while (!t.atEnd && t.peek() !== 0x20 && t.peek() !== 0x29) t.pos++;
  const text = t.buf.toString('latin1', start, t.pos);
  const m = PARTIAL_RANGE.exec(text);
  if (!m || m[1] !== m[3]) throw new ParseError(`Invalid partial range "${text}"`);
  let from = Number(m[2]);
  let to = Number(m[4]);
  if (from > 0xffffffff || to > 0xffffffff) throw new ParseError(`Invalid partial range "${text}"`);
  if (from > to) [from, to] = [to, from];
  return { from, to, fromEnd: m[1] === '-' };
}

const SIMPLE_OPTIONS = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'UPDATE', 'CONTEXT'] as const;

/**
 * `RETURN (...)` after the RETURN keyword: PARTIAL at most once and not with ALL (RFC 9394
 * §3.1); a repeated plain option is harmless and accepted, as Dovecot does.
 */
export function parseReturnOptions(t: Tokenizer): ReturnOptions {
  const out: ReturnOptions = {
    min: false,
    max: false,
    all: false,
    count: false,
    save: false,
    update: false,
    context: false,
    partial: null,
  };
  t.list(() => {
    const option = t.atom().toUpperCase();
    if (option === 'PARTIAL') {
      if (out.partial) throw new ParseError('RETURN PARTIAL given twice');
      t.sp();
      out.partial = parsePartialRange(t);
      return;
    }
    const simple = SIMPLE_OPTIONS.find((o) => o === option);
    if (!simple) throw new ParseError(`Unknown RETURN option ${option}`);
    out[simple.toLowerCase() as Lowercase<typeof simple>] = true;
  });
  if (out.partial && out.all) throw new ParseError('RETURN PARTIAL and ALL are mutually exclusive');
  // Only a list with no option but the CONTEXT hint means ALL; `RETURN (UPDATE)` alone asks
  // for updates and no result (RFC 4731 §3.1, as Dovecot reads it).
  if (!out.min && !out.max && !out.count && !out.save && !out.partial && !out.update) out.all = true;
  return out;
}

export function parseSearchProgram(
  t: Tokenizer,
  decodeFor: (charset: string | null) => (b: Buffer) => string,
  allowReturn = true,
): SearchProgram {
  let returns: ReturnOptions | null = null;
  let charset: string | null = null;
  if (allowReturn && t.accept('RETURN ')) {
    returns = parseReturnOptions(t);
    t.sp();
  }
  if (t.accept('CHARSET ')) {
    charset = t.astring();
    t.sp();
  }
  return { charset, key: parseSearchKeys(t, decodeFor(charset)), returns };
}

/** search-key *(SP search-key) up to the end of the command, ANDed. */
export function parseSearchKeys(t: Tokenizer, decode: (b: Buffer) => string): SearchKey {
  const keys: SearchKey[] = [parseSearchKey(t, decode)];
  while (!t.atEnd) {
    t.sp();
    keys.push(parseSearchKey(t, decode));
  }
  return keys.length === 1 ? keys[0] : { op: 'and', keys };
}

// SORT (RFC 5256, RFC 5957) -------------------------------------------------------------------

/** sort-criteria = "(" sort-criterion *(SP sort-criterion) ")" with optional REVERSE. */
export function parseSortCriteria(t: Tokenizer): SortCriterion[] {
  const criteria: SortCriterion[] = [];
  t.list(() => {
    let name = t.atom().toUpperCase();
    let reverse = false;
    if (name === 'REVERSE') {
      reverse = true;
      t.sp();
      name = t.atom().toUpperCase();
    }
    const key = SORT_KEYS.find((k) => k === name);
    if (!key) throw new ParseError(`Unknown sort key ${name}`);
    criteria.push({ key, reverse });
  }, false);
  return criteria;
}

export interface SortProgram {
  returns: ReturnOptions | null;
  criteria: SortCriterion[];
  charset: string;
  key: SearchKey;
}

/** sort = ["RETURN" SP sort-return-opts SP] sort-criteria SP search-charset SP search-key... (RFC 5267 §3). */
export function parseSortProgram(
  t: Tokenizer,
  decodeFor: (charset: string | null) => (b: Buffer) => string,
): SortProgram {
  let returns: ReturnOptions | null = null;
  if (t.accept('RETURN ')) {
    returns = parseReturnOptions(t);
    t.sp();
  }
  const criteria = parseSortCriteria(t);
  t.sp();
  const charset = t.astring();
  t.sp();
  return { returns, criteria, charset, key: parseSearchKeys(t, decodeFor(charset)) };
}
