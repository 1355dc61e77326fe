/**
 * Argument grammar of IMAP4rev1/rev2 and the extensions we announce: sequence sets, flags,
 * dates, mailbox names, STORE arguments. Produces plain data for the handlers. FETCH attributes
 * are in fetch-grammar.ts, SEARCH keys in search-grammar.ts.
 */
import { mailboxNameProblem } from '../../../core/mail/mailbox-name';
import { decodeUtf8Strict } from '../../../core/util/utf8';
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

/**
 * Mailbox name as stored (Unicode, "INBOX" normalised). With UTF8=ACCEPT the name is UTF-8;
 * otherwise it is modified UTF-7, or (a common client habit we tolerate) raw UTF-8. Either way the
 * bytes must decode strictly — invalid UTF-8 is never patched up with U+FFFD — and the result must
 * be an acceptable name (core/mail/mailbox-name.ts); any other name is a BAD argument.
 */
export function decodeMailboxName(raw: Buffer, utf8: boolean): string {
  let name: string | null;
  if (utf8 || raw.some((b) => b >= 0x80)) {
    name = decodeUtf8Strict(raw);
    if (name === null) throw new ParseError('Mailbox name is not valid UTF-8');
  } else {
    name = decodeModifiedUtf7(raw.toString('latin1'));
    if (name === null) throw new ParseError('Mailbox name is not valid modified UTF-7');
  }
  const problem = mailboxNameProblem(name);
  if (problem) throw new ParseError(problem);
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
  if (c === 0x22 || c === 0x7b || t.atLiteral8()) return t.stringBytes();
  return Buffer.from(t.atom(']%*8'), 'utf8');
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
