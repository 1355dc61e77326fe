/**
 * ManageSieve command syntax (RFC 5804 §4): atoms, quoted strings and literals ({n+} and, from
 * lenient clients, {n}) separated by spaces, ending with CRLF. Parsing is pure and restartable:
 * it reads from the start of the buffer and says how much more input it needs, so the reader can
 * wait for a whole literal instead of re-parsing on every chunk.
 */

export type Token = { type: 'atom'; value: string } | { type: 'string'; bytes: Buffer };

export interface ParseLimits {
  /** Bytes of one line (between literals) without its CRLF. */
  maxLineLength: number;
  /** Bytes of all literals of one command together. */
  maxLiteralSize: number;
}

export type ParseOutcome =
  /** More input is needed; `need` is the buffer length worth waiting for (a literal's end). */
  | { kind: 'incomplete'; need: number }
  | { kind: 'command'; tokens: Token[]; end: number }
  /** A syntax error: the command ends at `end` (after its LF). */
  | { kind: 'error'; message: string; end: number }
  /** A line longer than the limit: everything up to the next LF is to be dropped. */
  | { kind: 'too-long' }
  /** A literal above the limit: drop up to `at`, then `skip` octets, then the rest of that line. */
  | { kind: 'too-large'; at: number; skip: number; size: number };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const MAX_TOKENS = 16;
const LITERAL_HEADER = /^\{(\d{1,10})(\+?)\}$/;

/** RFC 5804 ATOM-CHAR: printable US-ASCII except specials (SP, quotes, parentheses, braces, %, *, \). */
function isAtomChar(c: number): boolean {
  return (
    c > 0x20 &&
    c < 0x7f &&
    c !== 0x22 &&
    c !== 0x28 &&
    c !== 0x29 &&
    c !== 0x7b &&
    c !== 0x25 &&
    c !== 0x2a &&
    c !== 0x5c
  );
}

export function parseCommand(buf: Buffer, limits: ParseLimits): ParseOutcome {
  const tokens: Token[] = [];
  let i = 0;
  let segment = 0; // where the current line (after the last literal) started
  let literalBytes = 0;
  const fail = (message: string, from: number): ParseOutcome => {
    const lf = buf.indexOf(LF, from);
    if (lf < 0)
      return buf.length - segment > limits.maxLineLength + 1
        ? { kind: 'too-long' }
        : { kind: 'incomplete', need: buf.length + 1 };
    return { kind: 'error', message, end: lf + 1 };
  };
  for (;;) {
    if (i - segment > limits.maxLineLength) return { kind: 'too-long' };
    if (i >= buf.length) return { kind: 'incomplete', need: buf.length + 1 };
    const c = buf[i];
    if (c === LF || (c === CR && buf[i + 1] === LF)) {
      const end = i + (c === CR ? 2 : 1);
      if (tokens.length === 0) return { kind: 'error', message: 'Empty command', end };
      return { kind: 'command', tokens, end };
    }
    if (c === CR)
      return i + 1 >= buf.length
        ? { kind: 'incomplete', need: buf.length + 1 }
        : fail('Bare CR in command', i);
    if (tokens.length > 0 && c !== SP) return fail('Expected a space between arguments', i);
    if (c === SP) {
      i++;
      if (tokens.length === 0) return fail('Command must not start with a space', i);
      if (i < buf.length && (buf[i] === SP || buf[i] === CR || buf[i] === LF))
        return fail('Unexpected space', i);
      if (i >= buf.length) continue;
    }
    if (tokens.length >= MAX_TOKENS) return fail('Too many arguments', i);
    const start = i;
    const d = buf[i];
    if (d === QUOTE) {
      const quoted = readQuoted(buf, i + 1);
      if (quoted === 'incomplete') {
        if (buf.length - segment > limits.maxLineLength + 1) return { kind: 'too-long' };
        return { kind: 'incomplete', need: buf.length + 1 };
      }
      if (typeof quoted === 'string') return fail(quoted, i);
      tokens.push({ type: 'string', bytes: quoted.bytes });
      i = quoted.end;
    } else if (d === LBRACE) {
      const lf = buf.indexOf(LF, i);
      if (lf < 0) {
        if (buf.length - segment > limits.maxLineLength + 1) return { kind: 'too-long' };
        return { kind: 'incomplete', need: buf.length + 1 };
      }
      const header = buf.toString('latin1', i, lf > i && buf[lf - 1] === CR ? lf - 1 : lf);
      const match = LITERAL_HEADER.exec(header);
      if (!match) return fail('Invalid literal', i);
      const size = Number(match[1]);
      const body = lf + 1;
      literalBytes += size;
      if (literalBytes > limits.maxLiteralSize) return { kind: 'too-large', at: body, skip: size, size };
      if (buf.length < body + size) return { kind: 'incomplete', need: body + size };
      tokens.push({ type: 'string', bytes: buf.subarray(body, body + size) });
      i = body + size;
      segment = i;
    } else if (isAtomChar(d)) {
      while (i < buf.length && isAtomChar(buf[i])) i++;
      if (i >= buf.length) continue; // the atom may go on in the next chunk
      tokens.push({ type: 'atom', value: buf.toString('latin1', start, i) });
    } else {
      return fail('Invalid character in command', i);
    }
  }
}

/** A quoted string's content after the opening quote (only \" and \\ escapes, no CR/LF/NUL). */
function readQuoted(buf: Buffer, from: number): { bytes: Buffer; end: number } | string | 'incomplete' {
  const out: number[] = [];
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c === QUOTE) return { bytes: Buffer.from(out), end: i + 1 };
    if (c === CR || c === LF || c === 0) return 'Invalid character in quoted string';
    if (c === BACKSLASH) {
      if (i + 1 >= buf.length) return 'incomplete';
      const next = buf[++i];
      if (next !== QUOTE && next !== BACKSLASH) return 'Invalid escape in quoted string';
      out.push(next);
    } else out.push(c);
  }
  return 'incomplete';
}
