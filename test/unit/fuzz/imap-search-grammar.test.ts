/**
 * Property tests for the grammar of helper C's slice: the astring / literal8 boundary (a "~"
 * is an ATOM-CHAR unless "{" follows), RETURN options with PARTIAL ranges (RFC 9394 §4,
 * RFC 5267), SORT programs, the PARTIAL FETCH modifier, and the sequence-set clamping SEARCH
 * applies (RFC 9051 §6.4.4). Every rule either parses or throws ParseError.
 */
import fc from 'fast-check';
import { parseFetchModifiers } from '../../../containers/imap/parser/fetch-grammar';
import { parseListMailbox } from '../../../containers/imap/parser/grammar';
import {
  parsePartialRange,
  parseReturnOptions,
  parseSearchProgram,
  parseSortProgram,
} from '../../../containers/imap/parser/search-grammar';
import { ParseError, Tokenizer } from '../../../containers/imap/parser/tokenizer';
import { clampSequenceSet } from '../../../containers/imap/commands/search-run';
import { partialSlice } from '../../../containers/imap/commands/search-return';
import { additionRuns, formatRuns, removalRuns } from '../../../containers/imap/commands/context-diff';
import { SelectedMailbox } from '../../../containers/imap/selected';
import type { MailboxRow } from '../../../core/store/mailbox-store';

const SEED = 20261203;
const RUNS = 300;
const tok = (text: string): Tokenizer => new Tokenizer(Buffer.from(text, 'latin1'));
const utf8 = () => (b: Buffer) => b.toString('utf8');

/** ASTRING-CHAR: ATOM-CHAR or "]" — printable ASCII without ( ) { SP % * " \. */
const astringChar = fc.constantFrom(
  ...[...Array(0x7f - 0x21).keys()]
    .map((i) => String.fromCharCode(i + 0x21))
    .filter((c) => !'(){%*"\\'.includes(c)),
);
const astringAtom = fc.array(astringChar, { minLength: 1, maxLength: 12 }).map((a) => a.join(''));

describe('astring and literal8', () => {
  it('an atom may start with (or contain) "~" when no "{" follows', () => {
    fc.assert(
      fc.property(astringAtom, fc.boolean(), (atom, tilde) => {
        const text = tilde ? '~' + atom : atom;
        const t = tok(text);
        expect(t.astring()).toBe(text);
        expect(t.atEnd).toBe(true);
        expect(parseListMailbox(tok(text)).toString('latin1')).toBe(text);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('"~{n}" is a literal8 for literal() and BAD everywhere a string is expected', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (bytes) => {
        const data = Buffer.from(bytes);
        const text = Buffer.concat([Buffer.from(`~{${data.length}}\r\n`), data]);
        const lit = new Tokenizer(text);
        expect(lit.literal().equals(data)).toBe(true);
        expect(lit.lastWasBinary).toBe(true);
        for (const rule of [
          (t: Tokenizer) => t.astring(),
          (t: Tokenizer) => t.string(),
          (t: Tokenizer) => t.nstring(),
          (t: Tokenizer) => parseListMailbox(t),
        ]) {
          expect(() => rule(new Tokenizer(text))).toThrow('literal8 not allowed here');
        }
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('a lone "~" at the end is an atom, not a half literal8', () => {
    expect(tok('~').astring()).toBe('~');
    expect(tok('a~').astring()).toBe('a~');
    expect(() => tok('~{').astring()).toThrow(ParseError);
  });
});

const nz = fc.integer({ min: 1, max: 0xffffffff });

describe('PARTIAL ranges and RETURN options', () => {
  it('reads partial-range-first and -last in either order, and refuses the rest', () => {
    fc.assert(
      fc.property(nz, nz, fc.boolean(), (a, b, last) => {
        const text = last ? `-${a}:-${b}` : `${a}:${b}`;
        expect(parsePartialRange(tok(text))).toEqual({
          from: Math.min(a, b),
          to: Math.max(a, b),
          fromEnd: last,
        });
        expect(() => parsePartialRange(tok(`-${a}:${b}`))).toThrow(ParseError);
        expect(() => parsePartialRange(tok(`${a}:-${b}`))).toThrow(ParseError);
        expect(() => parsePartialRange(tok(`${a}`))).toThrow(ParseError);
        expect(() => parsePartialRange(tok(`0:${b}`))).toThrow(ParseError);
        expect(() => parsePartialRange(tok(`${a}:*`))).toThrow(ParseError);
        expect(() => parsePartialRange(tok(`${a + 0x100000000}:1`))).toThrow(ParseError);
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  const options = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'UPDATE', 'CONTEXT', 'PARTIAL 1:10'];

  it('sets exactly the options given; PARTIAL twice or with ALL is BAD, other repeats harmless', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(options), fc.boolean(), (chosen, lower) => {
        const list = chosen.map((o) => (lower ? o.toLowerCase() : o));
        const text = `(${list.join(' ')})`;
        const names = chosen.map((o) => o.split(' ')[0]);
        if (names.includes('PARTIAL') && names.includes('ALL')) {
          expect(() => parseReturnOptions(tok(text))).toThrow(ParseError);
          return;
        }
        const r = parseReturnOptions(tok(text));
        const implicitAll = !['MIN', 'MAX', 'COUNT', 'SAVE', 'PARTIAL', 'UPDATE'].some((n) =>
          names.includes(n),
        );
        expect(r.all).toBe(names.includes('ALL') || implicitAll);
        expect(r.min).toBe(names.includes('MIN'));
        expect(r.update).toBe(names.includes('UPDATE'));
        expect(r.partial).toEqual(names.includes('PARTIAL') ? { from: 1, to: 10, fromEnd: false } : null);
        if (names.includes('PARTIAL')) {
          expect(() => parseReturnOptions(tok(`(${list.join(' ')} PARTIAL 3:4)`))).toThrow(ParseError);
        } else if (chosen.length > 0) {
          expect(parseReturnOptions(tok(`(${list.join(' ')} ${list[0]})`))).toEqual(r);
        }
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  it('SEARCH, SORT and FETCH-modifier rules parse or throw ParseError on IMAP-ish noise', () => {
    const pieces = fc.constantFrom(
      'RETURN ',
      '(',
      ')',
      ' ',
      'PARTIAL',
      '-1:-5',
      '5:1',
      '0:3',
      '*',
      'MIN',
      'UPDATE',
      'ALL',
      'REVERSE',
      'DISPLAYFROM',
      'SUBJECT',
      'UTF-8',
      '~',
      '~{2}\r\nab',
      '{1}\r\nx',
      '"x"',
      'CHANGEDSINCE',
      '7',
      'FROM',
    );
    const noise = fc.array(pieces, { maxLength: 16 }).map((p) => Buffer.from(p.join(''), 'latin1'));
    const rules: ((t: Tokenizer) => unknown)[] = [
      (t) => parseSearchProgram(t, utf8),
      (t) => parseSortProgram(t, utf8),
      (t) => parseReturnOptions(t),
      (t) => parsePartialRange(t),
      (t) => parseFetchModifiers(t),
    ];
    fc.assert(
      fc.property(noise, fc.integer({ min: 0, max: rules.length - 1 }), (bytes, i) => {
        const t = new Tokenizer(bytes);
        try {
          rules[i](t);
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
        }
        expect(t.pos).toBeLessThanOrEqual(bytes.length);
      }),
      { seed: SEED + 4, numRuns: RUNS * 3 },
    );
  });

  it('parses SORT RETURN programs and the PARTIAL fetch modifier', () => {
    const p = parseSortProgram(tok('RETURN (MIN PARTIAL -1:-3) (REVERSE DISPLAYFROM SIZE) UTF-8 ALL'), utf8);
    expect(p.criteria).toEqual([
      { key: 'DISPLAYFROM', reverse: true },
      { key: 'SIZE', reverse: false },
    ]);
    expect(p.returns?.partial).toEqual({ from: 1, to: 3, fromEnd: true });
    expect(parseFetchModifiers(tok('(CHANGEDSINCE 5 PARTIAL 10:1)'))).toEqual({
      changedSince: 5,
      vanished: false,
      partial: { from: 1, to: 10, fromEnd: false },
    });
    expect(() => parseSortProgram(tok('(DISPLAYNAME) UTF-8 ALL'), utf8)).toThrow(ParseError);
  });
});

describe('result positions', () => {
  it('partialSlice picks positions counted from the start or the end', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        (list, a, b, fromEnd) => {
          const range = { from: Math.min(a, b), to: Math.max(a, b), fromEnd };
          const n = list.length;
          const expected = list.filter((_, i) => {
            const pos = fromEnd ? n - i : i + 1;
            return pos >= range.from && pos <= range.to;
          });
          expect(partialSlice(list, range)).toEqual(expected);
        },
      ),
      { seed: SEED + 5, numRuns: RUNS },
    );
  });

  it('a sequence set in SEARCH names the messages that exist, and never fails', () => {
    const mailbox = { id: 1, uidvalidity: 1 } as unknown as MailboxRow;
    const seq = fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constant(-1));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.tuple(seq, seq), { minLength: 1, maxLength: 4 }),
        (exists, ranges) => {
          const uids = [...Array(exists).keys()].map((i) => i * 3 + 2);
          const selected = new SelectedMailbox(mailbox, false, uids, 0);
          const got = selected.resolve(clampSequenceSet({ saved: false, ranges }, exists), false, null);
          const star = (v: number) => (v === -1 ? exists : v);
          const want = uids.filter((_, i) =>
            ranges.some(([a, b]) => {
              const lo = Math.min(star(a), star(b));
              const hi = Math.max(star(a), star(b));
              return i + 1 >= lo && i + 1 <= hi;
            }),
          );
          expect(got).toEqual(want);
        },
      ),
      { seed: SEED + 6, numRuns: RUNS },
    );
  });
});

describe('CONTEXT update runs (RFC 5267 §4.3)', () => {
  /** A universe of distinct UIDs in some sort order, and two results drawn from it in that order. */
  const results = fc
    .uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 25 })
    .chain((universe) =>
      fc.tuple(
        fc.constant(universe),
        fc.array(fc.boolean(), { minLength: universe.length, maxLength: universe.length }),
        fc.array(fc.boolean(), { minLength: universe.length, maxLength: universe.length }),
      ),
    )
    .map(([universe, inOld, inNew]) => ({
      old: universe.filter((_, i) => inOld[i]),
      now: universe.filter((_, i) => inNew[i]),
    }));

  it('applying REMOVEFROM then ADDTO to the old sorted result gives the new one', () => {
    fc.assert(
      fc.property(results, ({ old, now }) => {
        const nowSet = new Set(now);
        const oldSet = new Set(old);
        const list = [...old];
        for (const run of removalRuns(old, new Set(old.filter((u) => !nowSet.has(u))), true)) {
          expect(list.splice(run.pos - 1, run.uids.length)).toEqual(run.uids);
        }
        for (const run of additionRuns(now, new Set(now.filter((u) => !oldSet.has(u))), true)) {
          expect(run.pos).toBeLessThanOrEqual(list.length + 1);
          list.splice(run.pos - 1, 0, ...run.uids);
        }
        expect(list).toEqual(now);
      }),
      { seed: SEED + 7, numRuns: RUNS },
    );
  });

  it('SEARCH contexts use position 0 and one run', () => {
    expect(removalRuns([1, 2, 3, 4], new Set([2, 4]), false)).toEqual([{ pos: 0, uids: [2, 4] }]);
    expect(additionRuns([1, 5, 6], new Set([5, 6]), false)).toEqual([{ pos: 0, uids: [5, 6] }]);
    expect(removalRuns([1, 2], new Set(), false)).toEqual([]);
    expect(formatRuns([{ pos: 3, uids: [7, 8, 4] }], (u) => u)).toBe('3 7:8,4');
  });
});
