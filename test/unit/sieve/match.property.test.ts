/** :matches globbing (RFC 5228 §2.7.1) and its captures (RFC 5229 §3.2). */
import fc from 'fast-check';
import { globMatch } from '../../../core/sieve/match';

const quote = (s: string): string => s.replace(/[*?\\]/g, (c) => `\\${c}`);

describe('globMatch', () => {
  it('the leftmost * takes as little as it can (as Pigeonhole does)', () => {
    expect(globMatch('i;octet', 'hello', '*l*')).toEqual(['hello', 'he', 'lo']);
    expect(globMatch('i;octet', 'hello', 'h?*?o')).toEqual(['hello', 'e', 'l', 'l']);
  });

  it('casemap folds ASCII only, captures keep the original case', () => {
    expect(globMatch('i;ascii-casemap', 'FooBar', 'foo*')).toEqual(['FooBar', 'Bar']);
    expect(globMatch('i;octet', 'FooBar', 'foo*')).toBeNull();
  });

  it('a quoted value matches itself and only itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (a, b) => {
        expect(globMatch('i;octet', a, quote(a))).toEqual([a]);
        if (a !== b) expect(globMatch('i;octet', b, quote(a))).toBeNull();
      }),
    );
  });

  it('"*" + quoted infix + "*" agrees with includes, and the captures rebuild the value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 4 }), (value, infix) => {
        const r = globMatch('i;octet', value, `*${quote(infix)}*`);
        expect(r !== null).toBe(value.includes(infix));
        if (r) expect(r[1] + infix + r[2]).toBe(value);
      }),
    );
  });

  it('pathological patterns finish', () => {
    expect(globMatch('i;octet', 'a'.repeat(3000), '*a*a*a*a*a*a*a*a*b')).toBeNull();
  });
});
