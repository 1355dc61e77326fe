/** compileSieve: errors with 1-based positions, require rules, argument schemas, limits. */
import { compileSieve, SIEVE_EXTENSIONS, sieveString } from '../../../core/sieve';
import { compileError } from './helpers';

describe('compileSieve', () => {
  it.each([
    ['require "x-unknown";', 1, 9, /unknown extension/],
    ['keep', 1, 5, /expected ";"/],
    ['\n  fileinto "x";', 2, 3, /fileinto/],
    ['nosuch;', 1, 1, /unknown command/],
    ['if nosuch { keep; }', 1, 4, /unknown test/],
    ['if header :bogus "a" "b" { keep; }', 1, 11, /unknown tag/],
    ['if header :is :contains "a" "b" { keep; }', 1, 15, /cannot be combined/],
    ['redirect 5;', 1, 10, /expects a string/],
    ['redirect ["a@b.org", "c@d.org"];', 1, 10, /expects a string/],
    ['if true keep;', 1, 9, /takes no test/],
    ['keep; require "fileinto";', 1, 7, /before any other command/],
    ['else { keep; }', 1, 1, /without a preceding if/],
    ['"unterminated', 1, 1, /unterminated string/],
    ['/* open', 1, 1, /unterminated comment/],
    ['if size :over 99999999999G { keep; }', 1, 15, /number too large/],
    ['if header :comparator "i;ascii-numeric" "a" "1" { keep; }', 1, 4, /comparator-i;ascii-numeric/],
    ['require "relational"; if header :value "xx" "a" "1" { keep; }', 1, 26, /relational operator/],
    ['if header :contains "a" { keep; }', 1, 4, /positional/],
    ['if true { require "fileinto"; }', 1, 11, /inside a block/],
    ['redirect "not an address";', 1, 1, /invalid redirect address/],
    ['require "fileinto"; fileinto :copy "x";', 1, 30, /require "copy"/],
  ])('%j → %d:%d', (text, line, column, message) => {
    const error = compileError(text);
    expect(error).toEqual({ line, column, message: expect.stringMatching(message) });
  });

  it('refuses a script over maxBytes', () => {
    expect(compileSieve('keep;'.repeat(100), { maxBytes: 100 })).toEqual({
      ok: false,
      error: { line: 1, column: 1, message: expect.stringMatching(/larger than 100 bytes/) },
    });
  });

  it('refuses nesting deeper than the parser bound instead of overflowing the stack', () => {
    const deep = 'if ' + 'not '.repeat(10_000) + 'true { keep; }';
    expect(compileSieve(deep, { maxBytes: 1 << 20 })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/nested/) },
    });
  });

  it('accepts the examples of RFC 5228 §9', () => {
    const text = `require "fileinto";
      if header :is "Sender" "owner-ietf-mta-filters@imc.org" { fileinto "filter"; }
      elsif address :DOMAIN :is ["From", "To"] "example.com" { keep; }
      elsif anyof (NOT address :all :contains ["To", "Cc", "Bcc"] "me@example.com",
                   header :matches "subject" ["*make*money*fast*", "*university*dipl*mas*"]) {
        fileinto "spam";
      } else { fileinto "personal"; }`;
    expect(compileSieve(text).ok).toBe(true);
  });

  it('advertises every extension it implements', () => {
    for (const ext of [
      'fileinto',
      'imap4flags',
      'variables',
      'vacation-seconds',
      'include',
      'duplicate',
      'mailboxid',
    ]) {
      expect(SIEVE_EXTENSIONS).toContain(ext);
    }
    const all = `require ${JSON.stringify([...SIEVE_EXTENSIONS])};`;
    expect(compileSieve(all).ok).toBe(true);
  });

  it('sieveString quotes so that the value survives', () => {
    expect(sieveString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});
