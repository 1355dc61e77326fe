/**
 * METADATA (RFC 5464 §5) argument grammar: entry names, GETMETADATA options and entries,
 * SETMETADATA entry-value pairs. Produces plain data for commands/metadata.ts.
 */
import { decodeMailboxName } from './grammar';
import { ParseError, type Tokenizer } from './tokenizer';

/** Longest entry name accepted (octets); RFC 5464 sets none, this bounds storage and responses. */
export const MAX_ENTRY_NAME_LENGTH = 1024;

export type MetadataDepth = '0' | '1' | 'infinity';

/**
 * Why `raw` is not an RFC 5464 §3.2 entry name, or null. Rules: ASCII only; no "*", "%" or
 * control octets (the RFC says 0x00-0x19, read as all of CTL, DEL included); starts with "/";
 * the first component is "private" or "shared" (compared case-insensitively, as entry names are);
 * no two consecutive "/" and no trailing "/".
 */
export function entryNameProblem(raw: Buffer | string): string | null {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  if (bytes.length === 0) return 'Entry name is empty';
  if (bytes.length > MAX_ENTRY_NAME_LENGTH) return 'Entry name is too long';
  for (const b of bytes) {
    if (b >= 0x80) return 'Entry name must be ASCII';
    if (b < 0x20 || b === 0x7f) return 'Entry name contains a control character';
    if (b === 0x2a || b === 0x25) return 'Entry name contains "*" or "%"';
  }
  const name = bytes.toString('latin1');
  if (name[0] !== '/') return 'Entry name must begin with "/"';
  if (name.includes('//')) return 'Entry name contains two consecutive "/"';
  if (name.length > 1 && name.endsWith('/')) return 'Entry name ends with "/"';
  if (!/^\/(private|shared)(\/|$)/i.test(name)) return 'Entry name must begin with /private or /shared';
  return null;
}

/** An entry name (astring), validated and lower-cased: entry names are case-insensitive. */
export function parseEntryName(t: Tokenizer): string {
  const raw = t.astringBytes();
  // "*" and "%" end an atom, so an unquoted "/shared/a*" would otherwise read as extra arguments.
  const next = t.peek();
  const problem = next === 0x2a || next === 0x25 ? 'Entry name contains "*" or "%"' : entryNameProblem(raw);
  if (problem) throw new ParseError(problem);
  return raw.toString('latin1').toLowerCase();
}

/** The mailbox argument: "" names the server (null), anything else a mailbox. */
export function parseMetadataMailbox(t: Tokenizer, utf8: boolean): string | null {
  const raw = t.astringBytes();
  if (raw.length === 0) return null;
  return decodeMailboxName(raw, utf8);
}

export interface GetMetadataArgs {
  /** MAXSIZE: longest value returned, octets; null when not given. */
  maxSize: number | null;
  depth: MetadataDepth;
  mailbox: string | null;
  /** Requested entry names, lower-cased, without duplicates, in the order given. */
  entries: string[];
}

/** `GETMETADATA [SP "(" option *(SP option) ")"] SP mailbox SP entries` (after the command name). */
export function parseGetMetadata(t: Tokenizer, utf8: boolean): GetMetadataArgs {
  let maxSize: number | null = null;
  let depth: MetadataDepth = '0';
  t.sp();
  if (t.peek() === 0x28) {
    t.list(() => {
      const option = t.atom().toUpperCase();
      t.sp();
      if (option === 'MAXSIZE') {
        maxSize = t.number32();
      } else if (option === 'DEPTH') {
        const value = t.atom().toLowerCase();
        if (value !== '0' && value !== '1' && value !== 'infinity')
          throw new ParseError('DEPTH must be 0, 1 or infinity');
        depth = value;
      } else {
        throw new ParseError(`Unknown GETMETADATA option ${option}`);
      }
    }, false);
    t.sp();
  }
  const mailbox = parseMetadataMailbox(t, utf8);
  t.sp();
  const entries: string[] = [];
  if (t.peek() === 0x28) t.list(() => entries.push(parseEntryName(t)), false);
  else entries.push(parseEntryName(t));
  t.end();
  return { maxSize, depth, mailbox, entries: [...new Set(entries)] };
}

export interface MetadataChange {
  entry: string;
  /** null removes the entry (NIL). */
  value: Buffer | null;
}

export interface SetMetadataArgs {
  mailbox: string | null;
  /** In command order; a later value for the same entry wins. */
  changes: MetadataChange[];
}

/** value = nstring / literal8 (RFC 5464 §5); literal8 may carry NUL octets. */
function parseValue(t: Tokenizer): Buffer | null {
  if (t.accept('NIL')) {
    const c = t.peek();
    if (c !== 0x20 && c !== 0x29 && c !== -1) throw new ParseError('Expected a value');
    return null;
  }
  const c = t.peek();
  // literal8 is named by this rule, so it is read here (stringBytes refuses it elsewhere).
  if (c === 0x7e) return Buffer.from(t.literal());
  if (c !== 0x22 && c !== 0x7b) throw new ParseError(t.atEnd ? 'Entry value missing' : 'Expected a value');
  return Buffer.from(t.stringBytes());
}

/** `SETMETADATA SP mailbox SP "(" entry SP value *(SP entry SP value) ")"` (after the command name). */
export function parseSetMetadata(t: Tokenizer, utf8: boolean): SetMetadataArgs {
  t.sp();
  const mailbox = parseMetadataMailbox(t, utf8);
  t.sp();
  const changes: MetadataChange[] = [];
  t.list(() => {
    const entry = parseEntryName(t);
    if (t.peek() !== 0x20) throw new ParseError('Entry value missing');
    t.sp();
    changes.push({ entry, value: parseValue(t) });
  }, false);
  t.end();
  return { mailbox, changes };
}

/**
 * The argument of LIST's RETURN option METADATA (RFC 9590), after "METADATA" SP: a parenthesised
 * list of entry names (lower-cased, without duplicates).
 */
export function parseListMetadataOption(t: Tokenizer): string[] {
  const entries: string[] = [];
  t.list(() => entries.push(parseEntryName(t)), false);
  return [...new Set(entries)];
}

// Output --------------------------------------------------------------------------------------

const ATOM_SAFE = /^[\x21\x23-\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;

/** An entry name for a response: an atom when it can be one, else a quoted string. */
export function formatEntryName(name: string): string {
  if (ATOM_SAFE.test(name)) return name;
  return '"' + name.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** value: quoted when plain printable ASCII, a literal otherwise, a literal8 when it holds NUL. */
export function formatValue(value: Buffer): string | Buffer {
  if (value.length <= 1024 && value.every((b) => b >= 0x20 && b < 0x7f)) {
    return '"' + value.toString('latin1').replace(/[\\"]/g, (c) => '\\' + c) + '"';
  }
  const binary = value.includes(0);
  return Buffer.concat([Buffer.from(`${binary ? '~' : ''}{${value.length}}\r\n`), value]);
}
