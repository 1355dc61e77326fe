/**
 * The message arguments of APPEND (RFC 9051 §6.3.12, MULTIAPPEND RFC 3502) and REPLACE (RFC 8508):
 *
 *   append-message = [flag-list SP] [date-time SP] append-data
 *   append-data    = literal / literal8 / "UTF8" SP "(" literal8 ")"          (BINARY, RFC 6855)
 *                  / "CATENATE" SP "(" cat-part *(SP cat-part) ")"             (RFC 4469)
 *   cat-part       = "URL" SP astring / "TEXT" SP (literal / literal8)
 *                  / "UTF8" SP "(" literal8 ")"                                (RFC 6855 §4)
 *
 * A plain literal may not hold NUL (the tokenizer refuses it); literal8 may. URLs are kept as
 * text here; commands/catenate.ts resolves them.
 */
import { parseDateTime, parseFlagList } from './grammar';
import { ParseError, type Tokenizer } from './tokenizer';

export type CatPart = { kind: 'text'; data: Buffer } | { kind: 'url'; url: string };

export interface AppendMessage {
  flags: string[];
  internalDate?: Date;
  /** The message itself, or its CATENATE parts. */
  data: Buffer | CatPart[];
}

const MAX_CAT_PARTS = 1000;

/** One append-message, starting at its first token (the caller has read the SP before it). */
export function parseAppendMessage(t: Tokenizer): AppendMessage {
  let flags: string[] = [];
  let internalDate: Date | undefined;
  if (t.peek() === 0x28) {
    flags = parseFlagList(t).filter((f) => f !== '\\Recent');
    t.sp();
  }
  if (t.peek() === 0x22) {
    internalDate = parseDateTime(t);
    t.sp();
  }
  const unique = [...new Set(flags)];
  if (t.accept('CATENATE ')) return { flags: unique, internalDate, data: parseCatParts(t) };
  if (t.accept('UTF8 ')) return { flags: unique, internalDate, data: utf8Literal(t) };
  const c = t.peek();
  if (c !== 0x7b && c !== 0x7e) throw new ParseError('Expected a message literal');
  return { flags: unique, internalDate, data: t.literal() };
}

function utf8Literal(t: Tokenizer): Buffer {
  t.expect('(');
  if (t.peek() !== 0x7e) throw new ParseError('UTF8 needs a literal8 (~{n})');
  const data = t.literal();
  t.expect(')');
  return data;
}

function parseCatParts(t: Tokenizer): CatPart[] {
  const parts: CatPart[] = [];
  t.list(() => {
    if (parts.length >= MAX_CAT_PARTS) throw new ParseError('Too many CATENATE parts');
    if (t.accept('URL ')) {
      parts.push({ kind: 'url', url: t.astringBytes().toString('utf8') });
    } else if (t.accept('TEXT ')) {
      const c = t.peek();
      if (c !== 0x7b && c !== 0x7e) throw new ParseError('TEXT needs a literal');
      parts.push({ kind: 'text', data: t.literal() });
    } else if (t.accept('UTF8 ')) {
      parts.push({ kind: 'text', data: utf8Literal(t) });
    } else {
      throw new ParseError('Expected URL or TEXT in CATENATE');
    }
  }, false);
  return parts;
}
