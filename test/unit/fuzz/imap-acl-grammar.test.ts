/**
 * ACL grammar and rights (RFC 4314 §2, §3, §7): SETACL / DELETEACL / LISTRIGHTS / GETACL /
 * MYRIGHTS arguments, mod-rights with the virtual c and d rights, effective rights with negative
 * entries, and the shared namespace names. Examples, then fast-check properties: every input
 * parses or throws ParseError; every right string is accepted exactly when it is made of known
 * lower-case rights; formatted rights parse back to the same real rights; shared names split
 * back into owner and mailbox.
 */
import fc from 'fast-check';
import {
  parseIdentifier,
  parseMailboxIdentifier,
  parseMailboxOnly,
  parseModRights,
  parseSetAcl,
} from '../../../containers/imap/parser/acl-grammar';
import { ParseError, Tokenizer } from '../../../containers/imap/parser/tokenizer';
import {
  ALL_RIGHTS,
  canonicalRights,
  effectiveRights,
  formatRights,
  parseRights,
  parseSharedName,
  sharedName,
  writable,
} from '../../../core/store/mailbox-access';

const SEED = 20261203;
const RUNS = 300;

const tok = (text: string | Buffer): Tokenizer =>
  new Tokenizer(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);

describe('SETACL arguments (RFC 4314 §3.1)', () => {
  it.each([
    [' INBOX bob@example.test lr', 'INBOX', 'bob@example.test', 'set', 'lr'],
    [' "A b" anyone +rs', 'A b', 'anyone', 'add', 'rs'],
    [' INBOX -bob@example.test -w', 'INBOX', '-bob@example.test', 'remove', 'w'],
    [' INBOX bob@example.test ""', 'INBOX', 'bob@example.test', 'set', ''],
    [' INBOX bob@example.test lrswipkxtea', 'INBOX', 'bob@example.test', 'set', 'lrwstipekxa'],
    // c = k+x and d = e+t (§2.1.1).
    [' INBOX bob@example.test c', 'INBOX', 'bob@example.test', 'set', 'kx'],
    [' INBOX bob@example.test +d', 'INBOX', 'bob@example.test', 'add', 'te'],
    [' INBOX {16}\r\nbob@example.test lr', 'INBOX', 'bob@example.test', 'set', 'lr'],
  ])('%j', (text, mailbox, identifier, mode, rights) => {
    expect(parseSetAcl(tok(text), false)).toEqual({ mailbox, identifier, mode, rights });
  });

  it.each([
    [' INBOX bob lrQ', /Invalid ACL right: Q/],
    [' INBOX bob lrq', /Invalid ACL right: q/],
    [' INBOX bob l1', /Invalid ACL right: 1/],
    [' INBOX bob +-l', /Invalid ACL right: -/],
    [' INBOX "" lr', /Empty identifier/],
    [' INBOX - lr', /Empty identifier/],
    [' INBOX "a\x01b" lr', /Invalid identifier|Unterminated|control/i],
    [' INBOX bob', /./],
    [' INBOX', /./],
    ['', /./],
    [' INBOX bob lr extra', /./],
  ])('refuses %j', (text, reason) => {
    expect(() => parseSetAcl(tok(text), false)).toThrow(ParseError);
    expect(() => parseSetAcl(tok(text), false)).toThrow(reason);
  });

  it('DELETEACL / LISTRIGHTS take a mailbox and an identifier, GETACL / MYRIGHTS a mailbox', () => {
    expect(parseMailboxIdentifier(tok(' Foo anyone'), false)).toEqual({
      mailbox: 'Foo',
      identifier: 'anyone',
    });
    expect(parseMailboxOnly(tok(' "Other Users/bob@example.test/Foo"'), false)).toBe(
      'Other Users/bob@example.test/Foo',
    );
    expect(() => parseMailboxIdentifier(tok(' Foo'), false)).toThrow(ParseError);
    expect(() => parseMailboxOnly(tok(' Foo bar'), false)).toThrow(ParseError);
    expect(() => parseIdentifier(tok('x'.repeat(400)))).toThrow(/too long/);
  });
});

describe('rights (RFC 4314 §2)', () => {
  it('writes the virtual c when k or x is granted and d when e or t is', () => {
    expect(formatRights('lr')).toBe('lr');
    expect(formatRights('k')).toBe('kc');
    expect(formatRights('x')).toBe('xc');
    expect(formatRights('t')).toBe('td');
    expect(formatRights(ALL_RIGHTS)).toBe('lrwstipekxacd');
  });

  it('combines entries: the union of positive rights minus the union of negative ones', () => {
    expect(
      effectiveRights([
        { negative: false, rights: 'lrs' },
        { negative: false, rights: 'wi' },
        { negative: true, rights: 'w' },
      ]),
    ).toBe('lrsi');
    expect(effectiveRights([{ negative: true, rights: 'l' }])).toBe('');
  });

  it('READ-WRITE needs one of i, e, w, s, t (§5.2)', () => {
    expect(writable('lr')).toBe(false);
    expect(writable('lrp')).toBe(false);
    for (const r of 'iewst') expect(writable('lr' + r)).toBe(true);
  });
});

describe('shared namespace names', () => {
  it.each([
    ['Other Users', { root: true }],
    ['Other Users/bob@example.test', { owner: 'bob@example.test', local: '' }],
    ['Other Users/bob@example.test/A/B', { owner: 'bob@example.test', local: 'A/B' }],
    [
      'Other Users/bob@example.test/../eve@other.test/INBOX',
      { owner: 'bob@example.test', local: '../eve@other.test/INBOX' },
    ],
    ['other users/bob@example.test/A', null],
    ['Other Usersx/bob', null],
    ['INBOX', null],
  ])('%j', (name, expected) => {
    expect(parseSharedName(name)).toEqual(expected);
  });
});

describe('properties', () => {
  const params = { seed: SEED, numRuns: RUNS };

  it('any SETACL argument bytes parse or throw ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          parseSetAcl(new Tokenizer(Buffer.concat([Buffer.from(' '), Buffer.from(bytes)])), false);
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
        }
      }),
      params,
    );
  });

  it('mod-rights are accepted exactly when every letter is a known right or c/d', () => {
    const known = new Set([...ALL_RIGHTS, 'c', 'd']);
    fc.assert(
      fc.property(fc.constantFrom('', '+', '-'), fc.string({ maxLength: 12 }), (prefix, letters) => {
        const text = prefix + letters;
        const sign = text[0] === '+' || text[0] === '-' ? text[0] : '';
        if ([...text.slice(sign.length)].every((c) => known.has(c))) {
          const parsed = parseModRights(text);
          expect(parsed.mode).toBe(sign === '+' ? 'add' : sign === '-' ? 'remove' : 'set');
          expect([...parsed.rights].every((r) => ALL_RIGHTS.includes(r))).toBe(true);
        } else {
          expect(() => parseModRights(text)).toThrow(ParseError);
        }
      }),
      params,
    );
  });

  it('formatted rights parse back to the same real rights', () => {
    fc.assert(
      fc.property(fc.subarray([...ALL_RIGHTS]), (subset) => {
        const rights = canonicalRights(subset.join(''));
        const back = parseRights(formatRights(rights));
        expect('rights' in back).toBe(true);
        // c and d expand to all their members, so only a superset is guaranteed …
        if ('rights' in back) expect([...rights].every((r) => back.rights.includes(r))).toBe(true);
        // … and exactly the same rights when c and d are left out.
        expect(parseRights(rights)).toEqual({ rights });
      }),
      params,
    );
  });

  it('negative entries always win over positive ones', () => {
    const entry = fc.record({
      negative: fc.boolean(),
      rights: fc.subarray([...ALL_RIGHTS]).map((r) => r.join('')),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
        const result = effectiveRights(entries);
        for (const e of entries) if (e.negative) for (const r of e.rights) expect(result).not.toContain(r);
        for (const r of result) expect(entries.some((e) => !e.negative && e.rights.includes(r))).toBe(true);
      }),
      params,
    );
  });

  it('shared names split back into owner and mailbox', () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9.@_-]{1,12}$/);
    fc.assert(
      fc.property(segment, fc.array(segment, { minLength: 1, maxLength: 4 }), (owner, parts) => {
        const local = parts.join('/');
        expect(parseSharedName(sharedName(owner, local))).toEqual({ owner, local });
      }),
      params,
    );
  });
});
