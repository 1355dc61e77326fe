/** SEARCH keys and programs (RFC 9051 §6.4.4, ESEARCH RETURN, CONDSTORE MODSEQ, WITHIN) as plain data. */
import { parseDate, parseFlag, parseSequenceSet, type SequenceSet } from './grammar';
import { ParseError, Tokenizer } from './tokenizer';

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
  | { op: 'age'; cmp: 'older' | 'younger'; seconds: number };

export interface SearchProgram {
  charset: string | null;
  key: SearchKey;
  /** ESEARCH RETURN options; null for a plain SEARCH. */
  returns: string[] | null;
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

const RETURN_OPTIONS = new Set(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);

export function parseSearchProgram(
  t: Tokenizer,
  decodeFor: (charset: string | null) => (b: Buffer) => string,
  allowReturn = true,
): SearchProgram {
  let returns: string[] | null = null;
  let charset: string | null = null;
  if (allowReturn && t.accept('RETURN ')) {
    returns = [];
    t.list(() => {
      const option = t.atom().toUpperCase();
      if (!RETURN_OPTIONS.has(option)) throw new ParseError(`Unknown RETURN option ${option}`);
      returns!.push(option);
    });
    if (returns.length === 0) returns = ['ALL'];
    t.sp();
  }
  if (t.accept('CHARSET ')) {
    charset = t.astring();
    t.sp();
  }
  const decode = decodeFor(charset);
  const keys: SearchKey[] = [parseSearchKey(t, decode)];
  while (!t.atEnd) {
    t.sp();
    keys.push(parseSearchKey(t, decode));
  }
  return { charset, key: keys.length === 1 ? keys[0] : { op: 'and', keys }, returns };
}
