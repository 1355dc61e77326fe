/**
 * RFC 5228 §8.2 grammar to an untyped AST with positions. Nesting is bounded so that a
 * hostile script cannot exhaust the stack.
 */
import { Lexer, SieveSyntaxError, type Token } from './lexer';
import type { Pos } from './types';

export type RawArg =
  | { kind: 'string'; value: string; pos: Pos }
  | { kind: 'stringlist'; values: string[]; pos: Pos }
  | { kind: 'number'; value: number; pos: Pos }
  | { kind: 'tag'; name: string; pos: Pos };

export interface RawTest {
  name: string;
  pos: Pos;
  args: RawArg[];
  tests: RawTest[];
  /** True when the tests came in parentheses (a test-list). */
  testList: boolean;
}

export interface RawCommand extends RawTest {
  block: RawCommand[] | null;
}

export interface ParseLimits {
  maxString: number;
  maxDepth: number;
  maxListItems: number;
}

export class Parser {
  private readonly lexer: Lexer;
  private tok: Token;

  constructor(
    text: string,
    private readonly limits: ParseLimits,
  ) {
    this.lexer = new Lexer(text, limits.maxString);
    this.tok = this.lexer.next();
  }

  private shift(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }

  private isPunct(value: string): boolean {
    return this.tok.type === 'punct' && this.tok.value === value;
  }

  private expectPunct(value: string, what: string): void {
    if (!this.isPunct(value)) throw new SieveSyntaxError(`expected ${what}`, this.tok.pos);
    this.shift();
  }

  private depth(depth: number, pos: Pos): void {
    if (depth > this.limits.maxDepth) throw new SieveSyntaxError('script nested too deeply', pos);
  }

  parseScript(): RawCommand[] {
    const commands = this.commands(0);
    if (this.tok.type !== 'eof') throw new SieveSyntaxError('unexpected "}"', this.tok.pos);
    return commands;
  }

  private commands(depth: number): RawCommand[] {
    const out: RawCommand[] = [];
    while (this.tok.type !== 'eof' && !this.isPunct('}')) out.push(this.command(depth));
    return out;
  }

  private command(depth: number): RawCommand {
    const t = this.tok;
    if (t.type !== 'ident') throw new SieveSyntaxError('expected a command name', t.pos);
    this.shift();
    const { args, tests, testList } = this.argumentsOf(depth);
    if (this.isPunct(';')) {
      this.shift();
      return { name: t.value, pos: t.pos, args, tests, testList, block: null };
    }
    if (this.isPunct('{')) {
      this.depth(depth + 1, this.tok.pos);
      this.shift();
      const block = this.commands(depth + 1);
      this.expectPunct('}', '"}"');
      return { name: t.value, pos: t.pos, args, tests, testList, block };
    }
    throw new SieveSyntaxError('expected ";" or "{"', this.tok.pos);
  }

  private argumentsOf(depth: number): { args: RawArg[]; tests: RawTest[]; testList: boolean } {
    const args: RawArg[] = [];
    for (;;) {
      const t = this.tok;
      if (t.type === 'string') {
        this.shift();
        args.push({ kind: 'string', value: t.value, pos: t.pos });
      } else if (t.type === 'number') {
        this.shift();
        args.push({ kind: 'number', value: t.value, pos: t.pos });
      } else if (t.type === 'tag') {
        this.shift();
        args.push({ kind: 'tag', name: t.value, pos: t.pos });
      } else if (this.isPunct('[')) {
        args.push(this.stringList());
      } else {
        break;
      }
    }
    if (this.tok.type === 'ident') return { args, tests: [this.test(depth + 1)], testList: false };
    if (this.isPunct('(')) {
      this.depth(depth + 1, this.tok.pos);
      this.shift();
      const tests = [this.test(depth + 1)];
      while (this.isPunct(',')) {
        this.shift();
        tests.push(this.test(depth + 1));
        if (tests.length > this.limits.maxListItems)
          throw new SieveSyntaxError('too many tests', this.tok.pos);
      }
      this.expectPunct(')', '")" or ","');
      return { args, tests, testList: true };
    }
    return { args, tests: [], testList: false };
  }

  private test(depth: number): RawTest {
    const t = this.tok;
    this.depth(depth, t.pos);
    if (t.type !== 'ident') throw new SieveSyntaxError('expected a test name', t.pos);
    this.shift();
    const { args, tests, testList } = this.argumentsOf(depth);
    return { name: t.value, pos: t.pos, args, tests, testList };
  }

  private stringList(): RawArg {
    const pos = this.tok.pos;
    this.shift();
    const values: string[] = [];
    for (;;) {
      const t = this.tok;
      if (t.type !== 'string') throw new SieveSyntaxError('expected a string in the string list', t.pos);
      this.shift();
      values.push(t.value);
      if (values.length > this.limits.maxListItems) throw new SieveSyntaxError('string list too long', t.pos);
      if (this.isPunct(']')) {
        this.shift();
        return { kind: 'stringlist', values, pos };
      }
      this.expectPunct(',', '"," or "]"');
    }
  }
}
