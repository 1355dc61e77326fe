/**
 * RFC 5228 §8.1 lexical tokens: identifiers, tags, numbers (with K/M/G), quoted and
 * multi-line strings, punctuation; comments are skipped. Errors carry a 1-based position.
 */
import type { Pos } from './types';

export type Token =
  | { type: 'ident'; value: string; pos: Pos }
  | { type: 'tag'; value: string; pos: Pos }
  | { type: 'number'; value: number; pos: Pos }
  | { type: 'string'; value: string; pos: Pos }
  | { type: 'punct'; value: string; pos: Pos }
  | { type: 'eof'; pos: Pos };

export class SieveSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: Pos,
  ) {
    super(message);
  }
}

/** Numbers beyond this are refused: RFC 5228 only promises 2^31 - 1. */
const MAX_NUMBER = 2 ** 31 - 1;
const QUANTIFIERS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const PUNCT = '[](){},;';

const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

export class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(
    private readonly text: string,
    private readonly maxString: number,
  ) {}

  private pos(): Pos {
    return { line: this.line, column: this.col };
  }

  private advance(n = 1): void {
    for (let k = 0; k < n && this.i < this.text.length; k++) {
      if (this.text[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else {
        this.col++;
      }
      this.i++;
    }
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const c = this.text[this.i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
        this.advance();
      } else if (c === '#') {
        while (this.i < this.text.length && this.text[this.i] !== '\n') this.advance();
      } else if (c === '/' && this.text[this.i + 1] === '*') {
        const start = this.pos();
        const end = this.text.indexOf('*/', this.i + 2);
        if (end < 0) throw new SieveSyntaxError('unterminated comment', start);
        this.advance(end + 2 - this.i);
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipSpaceAndComments();
    const pos = this.pos();
    if (this.i >= this.text.length) return { type: 'eof', pos };
    const c = this.text[this.i];
    if (PUNCT.includes(c)) {
      this.advance();
      return { type: 'punct', value: c, pos };
    }
    if (c === '"') return { type: 'string', value: this.quoted(pos), pos };
    if (c === ':') {
      this.advance();
      const name = this.identifier();
      if (!name) throw new SieveSyntaxError('expected a tag name after ":"', pos);
      return { type: 'tag', value: name.toLowerCase(), pos };
    }
    if (isDigit(c)) return { type: 'number', value: this.number(pos), pos };
    if (isAlpha(c)) {
      const name = this.identifier();
      if (name.toLowerCase() === 'text' && this.text[this.i] === ':') {
        this.advance();
        return { type: 'string', value: this.multiline(pos), pos };
      }
      return { type: 'ident', value: name.toLowerCase(), pos };
    }
    throw new SieveSyntaxError(`unexpected character ${JSON.stringify(c)}`, pos);
  }

  private identifier(): string {
    const start = this.i;
    if (this.i < this.text.length && isAlpha(this.text[this.i])) {
      while (this.i < this.text.length && (isAlpha(this.text[this.i]) || isDigit(this.text[this.i])))
        this.advance();
    }
    return this.text.slice(start, this.i);
  }

  private number(pos: Pos): number {
    const start = this.i;
    while (this.i < this.text.length && isDigit(this.text[this.i])) this.advance();
    let value = Number(this.text.slice(start, this.i));
    const q = QUANTIFIERS[(this.text[this.i] ?? '').toLowerCase()];
    if (q) {
      value *= q;
      this.advance();
    }
    if (!Number.isSafeInteger(value) || value > MAX_NUMBER)
      throw new SieveSyntaxError('number too large', pos);
    if (this.i < this.text.length && (isAlpha(this.text[this.i]) || isDigit(this.text[this.i]))) {
      throw new SieveSyntaxError('invalid number', pos);
    }
    return value;
  }

  private checkLength(length: number, pos: Pos): void {
    if (length > this.maxString)
      throw new SieveSyntaxError(`string longer than ${this.maxString} characters`, pos);
  }

  private quoted(pos: Pos): string {
    this.advance();
    let out = '';
    for (;;) {
      if (this.i >= this.text.length) throw new SieveSyntaxError('unterminated string', pos);
      const c = this.text[this.i];
      if (c === '"') {
        this.advance();
        return out;
      }
      if (c === '\\') {
        // RFC 5228 §2.4.2: "\" quotes the next character; only \" and \\ are meaningful.
        this.advance();
        if (this.i >= this.text.length) throw new SieveSyntaxError('unterminated string', pos);
      }
      out += this.text[this.i];
      this.advance();
      this.checkLength(out.length, pos);
    }
  }

  private multiline(pos: Pos): string {
    // "text:" *(SP / HTAB) (hash-comment / CRLF), then lines up to a lone ".".
    while (this.text[this.i] === ' ' || this.text[this.i] === '\t') this.advance();
    if (this.text[this.i] === '#') {
      while (this.i < this.text.length && this.text[this.i] !== '\n') this.advance();
    } else if (this.text[this.i] === '\r' && this.text[this.i + 1] === '\n') {
      // CRLF consumed below.
    } else if (this.text[this.i] !== '\n') {
      throw new SieveSyntaxError('expected end of line after "text:"', this.pos());
    }
    if (this.text[this.i] === '\r') this.advance();
    this.advance();
    const lines: string[] = [];
    let length = 0;
    for (;;) {
      if (this.i >= this.text.length) throw new SieveSyntaxError('unterminated multi-line string', pos);
      const lf = this.text.indexOf('\n', this.i);
      const end = lf < 0 ? this.text.length : lf + 1;
      let line = this.text.slice(this.i, end);
      const bare = line.replace(/\r?\n$/, '');
      if (bare === '.') {
        this.advance(end - this.i);
        return lines.join('');
      }
      if (line.startsWith('..')) line = line.slice(1);
      // Line ends are CRLF in the value whatever the script file used (RFC 5228 §2.4.2).
      const normalised = line.endsWith('\r\n') ? line : line.replace(/\n$/, '\r\n');
      lines.push(normalised);
      length += normalised.length;
      this.checkLength(length, pos);
      this.advance(end - this.i);
    }
  }
}
