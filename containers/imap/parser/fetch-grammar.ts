/** FETCH attributes (RFC 9051 §6.4.5, BINARY, CONDSTORE/QRESYNC modifiers) as plain data for the handler. */
import { parsePartialRange, type PartialRange } from './search-grammar';
import { ParseError, Tokenizer } from './tokenizer';

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
        | 'THREADID'
        | 'SAVEDATE';
    }
  /** RFC 8970: LAZY lets the server answer NIL rather than compute a preview now. */
  | { kind: 'preview'; lazy: boolean }
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
  /** RFC 9394 §3.2, UID FETCH only. */
  partial: PartialRange | null;
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
  'SAVEDATE',
]);

const PREVIEW_MODS = /^ \(LAZY[ )]/i;

/**
 * PREVIEW [SP "(" preview-mod *(SP preview-mod) ")"], preview-mod = "LAZY" (RFC 8970 §6).
 * A list that does not start with LAZY is left alone: after a lone PREVIEW it is the FETCH
 * modifiers ("FETCH 1 PREVIEW (CHANGEDSINCE 5)").
 */
function parsePreview(t: Tokenizer): FetchItem {
  let lazy = false;
  if (PREVIEW_MODS.test(t.buf.toString('latin1', t.pos, t.pos + 7))) {
    t.sp();
    t.list(() => {
      const mod = t.atom().toUpperCase();
      if (mod !== 'LAZY') throw new ParseError(`Unknown PREVIEW modifier ${mod}`);
      lazy = true;
    }, false);
  }
  return { kind: 'preview', lazy };
}

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
  if (name === 'PREVIEW') return parsePreview(t);
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
  const mods: FetchModifiers = { changedSince: null, vanished: false, partial: null };
  t.list(() => {
    const name = t.atom().toUpperCase();
    if (name === 'CHANGEDSINCE') {
      t.sp();
      mods.changedSince = t.number();
    } else if (name === 'VANISHED') {
      mods.vanished = true;
    } else if (name === 'PARTIAL' && !mods.partial) {
      t.sp();
      mods.partial = parsePartialRange(t);
    } else {
      throw new ParseError(`Unknown FETCH modifier ${name}`);
    }
  }, false);
  return mods;
}
