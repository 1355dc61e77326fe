/**
 * Argument grammar of IMAP4rev1/rev2 and the extensions we announce: sequence sets, flags,
 * dates, FETCH attributes, SEARCH keys, STORE arguments. Produces plain data for the handlers.
 */
import { decodeModifiedUtf7 } from '../../../core/util/modified-utf7';
import { ParseError, Tokenizer } from './tokenizer';

// Sequence sets -----------------------------------------------------------------------------

/** Ranges with -1 standing for "*"; `saved` is the SEARCHRES "$" reference. */
export interface SequenceSet {
  saved: boolean;
  ranges: [number, number][];
}

function seqNumber(t: Tokenizer): number {
  if (t.accept('*')) return -1;
  return t.nzNumber();
}

export function parseSequenceSet(t: Tokenizer): SequenceSet {
  if (t.accept('$')) return { saved: true, ranges: [] };
  const ranges: [number, number][] = [];
  for (;;) {
    const from = seqNumber(t);
    const to = t.accept(':') ? seqNumber(t) : from;
    ranges.push([from, to]);
    if (!t.accept(',')) break;
  }
  const c = t.peek();
  if (c !== -1 && c !== 0x20 && c !== 0x29) throw new ParseError('Invalid sequence set');
  return { saved: false, ranges };
}

// Flags -------------------------------------------------------------------------------------

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];
const SYSTEM_BY_LOWER = new Map(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/** A flag as stored: system flags in canonical case; `\Recent` is kept for the caller to drop. */
export function parseFlag(t: Tokenizer, allowWildcard = false): string {
  if (t.accept('\\')) {
    if (allowWildcard && t.accept('*')) return '\\*';
    const name = '\\' + t.atom();
    const lower = name.toLowerCase();
    if (lower === '\\recent') return '\\Recent';
    const system = SYSTEM_BY_LOWER.get(lower);
    if (!system) throw new ParseError(`Unknown system flag ${name}`);
    return system;
  }
  return t.atom();
}

export function parseFlagList(t: Tokenizer): string[] {
  const flags: string[] = [];
  t.list(() => flags.push(parseFlag(t)));
  return flags;
}

// Dates -------------------------------------------------------------------------------------

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** SEARCH date: day precision; returned as UTC midnight of that calendar date. */
export function parseDate(t: Tokenizer): Date {
  const quoted = t.accept('"');
  const start = t.pos;
  while (!t.atEnd && t.peek() !== 0x20 && t.peek() !== 0x22 && t.peek() !== 0x29) t.pos++;
  const text = t.buf.toString('latin1', start, t.pos);
  if (quoted) t.expect('"');
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const month = m ? MONTHS.indexOf(m[2].toLowerCase()) : -1;
  if (!m || month < 0) throw new ParseError(`Invalid date "${text}"`);
  const day = Number(m[1]);
  if (day < 1 || day > 31) throw new ParseError(`Invalid date "${text}"`);
  return new Date(Date.UTC(Number(m[3]), month, day));
}

/** date-time: "dd-Mon-yyyy hh:mm:ss +zzzz". */
export function parseDateTime(t: Tokenizer): Date {
  const text = t.quoted().toString('latin1');
  const m = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  const month = m ? MONTHS.indexOf(m[2].toLowerCase()) : -1;
  if (!m || month < 0) throw new ParseError(`Invalid date-time "${text}"`);
  const [day, year, h, mi, s] = [Number(m[1]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  if (day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) throw new ParseError(`Invalid date-time "${text}"`);
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  return new Date(Date.UTC(year, month, day, h, mi, s) - offset * 60_000);
}

// Mailbox names -----------------------------------------------------------------------------

/** Mailbox name as stored (Unicode, "INBOX" normalised); mUTF-7 decoded unless UTF8=ACCEPT. */
export function decodeMailboxName(raw: Buffer, utf8: boolean): string {
  let name: string;
  const has8bit = raw.some((b) => b >= 0x80);
  if (utf8 || has8bit) {
    name = raw.toString('utf8');
    if (!utf8 && !has8bit) name = decodeModifiedUtf7(name) ?? name;
  } else {
    const decoded = decodeModifiedUtf7(raw.toString('latin1'));
    if (decoded === null) throw new ParseError('Mailbox name is not valid modified UTF-7');
    name = decoded;
  }
  return normaliseInbox(name);
}

export function normaliseInbox(name: string): string {
  if (/^inbox$/i.test(name)) return 'INBOX';
  if (/^inbox\//i.test(name)) return 'INBOX' + name.slice(5);
  return name;
}

export function parseMailbox(t: Tokenizer, utf8: boolean): string {
  return decodeMailboxName(t.astringBytes(), utf8);
}

/** list-mailbox: like astring but also "%" and "*". */
export function parseListMailbox(t: Tokenizer): Buffer {
  const c = t.peek();
  if (c === 0x22 || c === 0x7b || c === 0x7e) return t.stringBytes();
  return Buffer.from(t.atom(']%*8'), 'utf8');
}

// FETCH -------------------------------------------------------------------------------------

export interface Section {
  path: number[];
  specifier: null | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  fields: string[];
}

export type FetchItem =
  | {
      kind: 'simple';
      name:
        | 'UID'
        | 'FLAGS'
        | 'INTERNALDATE'
        | 'RFC822.SIZE'
        | 'ENVELOPE'
        | 'BODYSTRUCTURE'
        | 'BODY'
        | 'MODSEQ'
        | 'RFC822'
        | 'RFC822.HEADER'
        | 'RFC822.TEXT'
        | 'EMAILID'
        | 'THREADID';
    }
  | {
      kind: 'body';
      binary: boolean;
      peek: boolean;
      section: Section;
      partial: { start: number; length: number } | null;
    }
  | { kind: 'binary-size'; path: number[] };

export interface FetchModifiers {
  changedSince: number | null;
  vanished: boolean;
}

const SIMPLE_ITEMS = new Set([
  'UID',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODYSTRUCTURE',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
  'EMAILID',
  'THREADID',
]);

function parsePath(t: Tokenizer): number[] {
  const path: number[] = [];
  while (t.peek() >= 0x30 && t.peek() <= 0x39) {
    path.push(t.nzNumber());
    if (t.peek() === 0x2e) {
      const c = t.buf[t.pos + 1];
      if (c >= 0x30 && c <= 0x39) {
        t.pos++;
        continue;
      }
    }
    break;
  }
  return path;
}

function parseSection(t: Tokenizer, binary: boolean): Section {
  t.expect('[');
  const path = parsePath(t);
  const section: Section = { path, specifier: null, fields: [] };
  if (binary) {
    t.expect(']');
    return section;
  }
  if (path.length > 0 && !t.accept('.')) {
    t.expect(']');
    return section;
  }
  if (t.accept(']')) {
    if (path.length > 0) throw new ParseError('Invalid section');
    return section;
  }
  if (t.accept('HEADER.FIELDS.NOT')) section.specifier = 'HEADER.FIELDS.NOT';
  else if (t.accept('HEADER.FIELDS')) section.specifier = 'HEADER.FIELDS';
  else if (t.accept('HEADER')) section.specifier = 'HEADER';
  else if (t.accept('TEXT')) section.specifier = 'TEXT';
  else if (path.length > 0 && t.accept('MIME')) section.specifier = 'MIME';
  else throw new ParseError('Invalid section specifier');
  if (section.specifier === 'HEADER.FIELDS' || section.specifier === 'HEADER.FIELDS.NOT') {
    t.sp();
    t.list(() => section.fields.push(t.astring()), false);
  }
  t.expect(']');
  return section;
}

function parsePartial(t: Tokenizer): { start: number; length: number } | null {
  if (!t.accept('<')) return null;
  const start = t.number32();
  t.expect('.');
  const length = t.nzNumber();
  t.expect('>');
  return { start, length };
}

/** A FETCH attribute name: letters, digits and dots (stops before "[" and "<"). */
function itemName(t: Tokenizer): string {
  const start = t.pos;
  while (/[A-Za-z0-9.]/.test(t.peekChar())) t.pos++;
  if (t.pos === start) throw new ParseError(t.atEnd ? 'Missing arguments' : 'Expected a FETCH item');
  return t.buf.toString('latin1', start, t.pos).toUpperCase();
}

function parseFetchItem(t: Tokenizer): FetchItem {
  const name = itemName(t);
  if (name === 'BODY' || name === 'BODY.PEEK' || name === 'BINARY' || name === 'BINARY.PEEK') {
    if (t.peek() !== 0x5b) {
      if (name === 'BODY') return { kind: 'simple', name: 'BODY' };
      throw new ParseError(`${name} needs a section`);
    }
    const binary = name.startsWith('BINARY');
    const section = parseSection(t, binary);
    return { kind: 'body', binary, peek: name.endsWith('.PEEK'), section, partial: parsePartial(t) };
  }
  if (name === 'BINARY.SIZE') {
    const section = parseSection(t, true);
    return { kind: 'binary-size', path: section.path };
  }
  if (SIMPLE_ITEMS.has(name)) return { kind: 'simple', name: name as never };
  throw new ParseError(`Unknown FETCH item ${name}`);
}

const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

export function parseFetchItems(t: Tokenizer): FetchItem[] {
  if (t.peek() === 0x28) {
    const items: FetchItem[] = [];
    t.list(() => items.push(parseFetchItem(t)), false);
    return items;
  }
  const start = t.pos;
  const word = itemName(t);
  const macro = MACROS[word];
  if (macro) return macro.map((name) => ({ kind: 'simple', name: name as never }));
  t.pos = start;
  return [parseFetchItem(t)];
}

export function parseFetchModifiers(t: Tokenizer): FetchModifiers {
  const mods: FetchModifiers = { changedSince: null, vanished: false };
  t.list(() => {
    const name = t.atom().toUpperCase();
    if (name === 'CHANGEDSINCE') {
      t.sp();
      mods.changedSince = t.number();
    } else if (name === 'VANISHED') {
      mods.vanished = true;
    } else {
      throw new ParseError(`Unknown FETCH modifier ${name}`);
    }
  }, false);
  return mods;
}

// STORE -------------------------------------------------------------------------------------

export interface StoreArgs {
  unchangedSince: number | null;
  op: 'add' | 'remove' | 'replace';
  silent: boolean;
  flags: string[];
}

export function parseStoreArgs(t: Tokenizer): StoreArgs {
  let unchangedSince: number | null = null;
  if (t.peek() === 0x28) {
    t.list(() => {
      const name = t.atom().toUpperCase();
      if (name !== 'UNCHANGEDSINCE') throw new ParseError(`Unknown STORE modifier ${name}`);
      t.sp();
      unchangedSince = t.number();
    }, false);
    t.sp();
  }
  const item = t.atom('.').toUpperCase();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
  if (!m) throw new ParseError(`Invalid STORE item ${item}`);
  t.sp();
  let flags: string[];
  if (t.peek() === 0x28) {
    flags = parseFlagList(t);
  } else {
    flags = [parseFlag(t)];
    while (t.peek() === 0x20) {
      t.sp();
      flags.push(parseFlag(t));
    }
  }
  t.end();
  return {
    unchangedSince,
    op: m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace',
    silent: !!m[2],
    flags,
  };
}

// SEARCH ------------------------------------------------------------------------------------

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
