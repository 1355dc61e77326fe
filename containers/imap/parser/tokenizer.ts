/**
 * RFC 9051 §9 lexical rules over one command's bytes (as produced by CommandReader).
 * Every method throws ParseError with a human-readable reason; the session turns that into BAD.
 */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const TILDE = 0x7e;

// atom-specials: ( ) { SP CTL % * " \ ]
function isAtomChar(c: number): boolean {
  if (c <= 0x1f || c >= 0x7f) return false;
  return !(
    c === 0x28 ||
    c === 0x29 ||
    c === 0x7b ||
    c === SP ||
    c === 0x25 ||
    c === 0x2a ||
    c === DQUOTE ||
    c === BACKSLASH ||
    c === 0x5d
  );
}

export class Tokenizer {
  pos = 0;
  /** Set when the string just read came from a literal8 (~{n}). */
  lastWasBinary = false;

  constructor(
    readonly buf: Buffer,
    private readonly options: { utf8?: boolean } = {},
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  peek(): number {
    return this.pos < this.buf.length ? this.buf[this.pos] : -1;
  }

  peekChar(): string {
    return this.pos < this.buf.length ? String.fromCharCode(this.buf[this.pos]) : '';
  }

  /** True (and consumes it) if the next bytes are `text`, compared case-insensitively. */
  accept(text: string): boolean {
    const end = this.pos + text.length;
    if (end > this.buf.length) return false;
    if (this.buf.toString('latin1', this.pos, end).toUpperCase() !== text.toUpperCase()) return false;
    this.pos = end;
    return true;
  }

  expect(text: string, what = `"${text}"`): void {
    if (!this.accept(text)) throw new ParseError(`Expected ${what}`);
  }

  sp(): void {
    if (this.peek() !== SP) throw new ParseError(this.atEnd ? 'Missing arguments' : 'Expected a space');
    this.pos++;
  }

  end(): void {
    if (!this.atEnd) throw new ParseError('Unexpected extra arguments');
  }

  /** atom: 1*ATOM-CHAR. `extra` lets callers admit "]" (astring) or "\"/"*" (flags, list). */
  atom(extra = ''): string {
    const start = this.pos;
    while (this.pos < this.buf.length) {
      const c = this.buf[this.pos];
      if (isAtomChar(c) || (extra && extra.includes(String.fromCharCode(c)))) this.pos++;
      else if (c >= 0x80 && this.options.utf8 && extra.includes('8')) this.pos++;
      else break;
    }
    if (this.pos === start) throw new ParseError(this.atEnd ? 'Missing arguments' : 'Expected an atom');
    return this.buf.toString('utf8', start, this.pos);
  }

  number(): number {
    const start = this.pos;
    while (this.pos < this.buf.length && this.buf[this.pos] >= 0x30 && this.buf[this.pos] <= 0x39) this.pos++;
    if (this.pos === start) throw new ParseError('Expected a number');
    if (this.pos - start > 20) throw new ParseError('Number too large');
    const value = Number(this.buf.toString('latin1', start, this.pos));
    return value;
  }

  number32(): number {
    const value = this.number();
    if (value > 0xffffffff) throw new ParseError('Number out of range');
    return value;
  }

  nzNumber(): number {
    const value = this.number32();
    if (value === 0) throw new ParseError('Zero is not a valid number here');
    return value;
  }

  /** True if the next bytes open a literal8 (`~{`); a `~` without `{` is an ordinary ATOM-CHAR. */
  atLiteral8(): boolean {
    return this.peek() === TILDE && this.pos + 1 < this.buf.length && this.buf[this.pos + 1] === 0x7b;
  }

  /**
   * quoted / literal as bytes. literal8 (RFC 3516) belongs only to the rules that name it
   * (APPEND data, CATENATE), which call literal() themselves; anywhere else it is BAD.
   */
  stringBytes(): Buffer {
    const c = this.peek();
    if (c === DQUOTE) return this.quoted();
    if (c === 0x7b) return this.literal();
    if (this.atLiteral8()) throw new ParseError('literal8 not allowed here');
    throw new ParseError(this.atEnd ? 'Missing arguments' : 'Expected a string');
  }

  string(): string {
    return this.stringBytes().toString('utf8');
  }

  astringBytes(): Buffer {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b || this.atLiteral8()) return this.stringBytes();
    this.lastWasBinary = false;
    return Buffer.from(this.atom(']8'), 'utf8');
  }

  astring(): string {
    return this.astringBytes().toString('utf8');
  }

  nstring(): string | null {
    if (this.accept('NIL')) return null;
    return this.string();
  }

  quoted(): Buffer {
    if (this.peek() !== DQUOTE) throw new ParseError('Expected a quoted string');
    this.pos++;
    const out: number[] = [];
    for (;;) {
      if (this.pos >= this.buf.length) throw new ParseError('Unterminated quoted string');
      const c = this.buf[this.pos++];
      if (c === DQUOTE) break;
      if (c === 0x0d || c === 0x0a || c === 0) throw new ParseError('Invalid character in quoted string');
      if (c === BACKSLASH) {
        // Never step past the end: a caller that catches the error resumes from `pos`.
        if (this.pos >= this.buf.length) throw new ParseError('Unterminated quoted string');
        const next = this.buf[this.pos++];
        if (next !== DQUOTE && next !== BACKSLASH) throw new ParseError('Invalid escape in quoted string');
        out.push(next);
      } else {
        out.push(c);
      }
    }
    this.lastWasBinary = false;
    return Buffer.from(out);
  }

  literal(): Buffer {
    let binary = false;
    if (this.peek() === TILDE) {
      binary = true;
      this.pos++;
    }
    this.expect('{', 'a literal');
    const size = this.number();
    if (this.peek() === 0x2b || this.peek() === 0x2d) this.pos++;
    this.expect('}');
    if (this.peek() === 0x0d) this.pos++;
    if (this.peek() !== 0x0a) throw new ParseError('Literal must be followed by CRLF');
    this.pos++;
    if (this.pos + size > this.buf.length) throw new ParseError('Literal is truncated');
    const data = this.buf.subarray(this.pos, this.pos + size);
    this.pos += size;
    if (!binary && data.includes(0)) throw new ParseError('NUL in literal; use a literal8 (~{n})');
    this.lastWasBinary = binary;
    return data;
  }

  /** A parenthesised list: calls `item` for each element (space-separated). */
  list(item: () => void, allowEmpty = true): void {
    this.expect('(');
    if (this.accept(')')) {
      if (!allowEmpty) throw new ParseError('Empty list');
      return;
    }
    for (;;) {
      item();
      if (this.accept(')')) return;
      this.sp();
    }
  }

  /** The rest of the command (for error messages). */
  rest(): string {
    return this.buf.toString('utf8', this.pos);
  }
}
