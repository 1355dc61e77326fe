/**
 * THREAD REFERENCES/ORDEREDSUBJECT ordering (RFC 5256), SORT=DISPLAY keys (RFC 5957), the
 * comparators of RFC 4790/5051 and address search text without comments.
 */
import fc from 'fast-check';
import { parseAddressList } from '../../../core/mime';
import type { Envelope } from '../../../core/mime/types';
import { addressText } from '../../../core/store/search/address-match';
import { asciiCasemapKey, compareUtf8, unicodeCasemapKey } from '../../../core/store/search/collation';
import { displayKey } from '../../../core/store/search/sort-order';
import {
  formatThreads,
  threadOrderedSubject,
  threadReferences,
  type ThreadInput,
  type ThreadNode,
} from '../../../core/store/search/thread';

const T = Date.UTC(2026, 2, 2, 10);
const msg = (id: number, over: Partial<ThreadInput> = {}): ThreadInput => ({
  id,
  messageId: `<m${id}@x>`,
  references: [],
  subject: `s${id}`,
  date: T,
  ...over,
});

describe('THREAD', () => {
  it('sorts threads with equal dates by sequence number, a dummy root as its first child', () => {
    // The messages of test/e2e/imap-search-sort.test.ts; Dovecot answers the same.
    const input = [
      msg(1, { messageId: '<a@x>', subject: 'alpha' }),
      msg(2, { references: ['<missing@x>'] }),
      msg(3, { references: ['<missing@x>'] }),
      msg(4),
      msg(5, { references: ['<a@x>'], subject: 'Re: alpha', date: T - 3_600_000 }),
      msg(6),
    ];
    expect(formatThreads(threadReferences(input))).toBe('(1 5)((2)(3))(4)(6)');
    expect(formatThreads(threadReferences(input.slice(1)))).toBe('(5)((2)(3))(4)(6)');
    expect(formatThreads(threadOrderedSubject(input))).toBe('(5 1)(2)(3)(4)(6)');
  });

  it('a later dummy is placed by its earliest child, not before every equal date', () => {
    const input = [
      msg(1),
      msg(2, { references: ['<gone@x>'] }),
      msg(3, { references: ['<gone@x>'], date: T - 1 }),
    ];
    expect(formatThreads(threadReferences(input))).toBe('((3)(2))(1)');
  });

  const ids = (nodes: ThreadNode[]): number[] =>
    nodes.flatMap((n) => [...(n.id === null ? [] : [n.id]), ...ids(n.children)]);

  it('every message appears exactly once, and top-level threads come in date order', () => {
    const arb = fc.array(
      fc.record({
        parent: fc.integer({ min: 0, max: 12 }),
        date: fc.integer({ min: 0, max: 3 }),
        subject: fc.constantFrom('a', 'Re: a', 'b', ''),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, (specs) => {
        const input = specs.map((s, i) =>
          msg(i + 1, {
            references: s.parent > 0 ? [`<m${s.parent}@x>`] : [],
            date: T + s.date * 1000,
            subject: s.subject,
          }),
        );
        for (const threads of [threadReferences(input), threadOrderedSubject(input)]) {
          expect(ids(threads).sort((a, b) => a - b)).toEqual(input.map((m) => m.id));
        }
        const dates = new Map(input.map((m) => [m.id, m.date]));
        const first = (n: ThreadNode): [number, number] =>
          n.id !== null ? [dates.get(n.id)!, n.id] : first(n.children[0]);
        const roots = threadReferences(input).map(first);
        for (let i = 1; i < roots.length; i++) {
          expect(
            roots[i][0] > roots[i - 1][0] ||
              (roots[i][0] === roots[i - 1][0] && roots[i][1] > roots[i - 1][1]),
          ).toBe(true);
        }
      }),
      { seed: 20261203, numRuns: 300 },
    );
  });
});

describe('SORT=DISPLAY and comparators', () => {
  it('uses the decoded display name, else the addr-spec', () => {
    expect(displayKey(parseAddressList('"Zed" <c@x.test>'))).toBe('ZED');
    expect(displayKey(parseAddressList('=?utf-8?q?=C3=A9mile?= <e@x.test>'))).toBe(
      unicodeCasemapKey('émile'),
    );
    expect(displayKey(parseAddressList('<user (comment)@ (comment) domain.test>'))).toBe('USER@DOMAIN.TEST');
    expect(displayKey(parseAddressList('b@x.test'))).toBe('B@X.TEST');
    expect(displayKey(parseAddressList('undisclosed-recipients:;'))).toBe('');
    expect(displayKey(null)).toBe('');
  });

  it('i;unicode-casemap folds case and compatibility forms; i;ascii-casemap only a-z', () => {
    expect(unicodeCasemapKey('émile')).toBe(unicodeCasemapKey('ÉMILE'));
    expect(unicodeCasemapKey('ﬁ')).toBe(unicodeCasemapKey('FI'));
    expect(unicodeCasemapKey('straße')).toBe(unicodeCasemapKey('STRAßE'));
    expect(asciiCasemapKey('abc-é')).toBe('ABC-é');
    expect(compareUtf8('\uffff', '\u{10000}')).toBeLessThan(0); // octet order, not UTF-16 order
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(Math.sign(compareUtf8(a, b)) + Math.sign(compareUtf8(b, a))).toBe(0);
        expect(unicodeCasemapKey(unicodeCasemapKey(a))).toBe(unicodeCasemapKey(a));
      }),
      { seed: 20261204, numRuns: 300 },
    );
  });
});

describe('address search text', () => {
  const env = (from: string): Envelope =>
    ({ from: parseAddressList(from), to: null, cc: null, bcc: null }) as unknown as Envelope;

  it('drops comments and folding whitespace, keeps names and addr-specs', () => {
    expect(addressText(env('<user (comment)@ (comment) domain>'), 'from')).toBe('<user@domain>');
    expect(addressText(env('"Pat  Q" <pat@x.test>,\r\n b@y.test (Bee)'), 'from')).toBe(
      'Pat Q <pat@x.test>, Bee <b@y.test>',
    );
    expect(addressText(env('a@b'), 'to')).toBeNull();
  });
});
