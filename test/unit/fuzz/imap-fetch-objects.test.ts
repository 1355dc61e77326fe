/**
 * Grammar of the FETCH items and SEARCH keys of OBJECTID (RFC 8474), SAVEDATE (RFC 8514) and
 * PREVIEW (RFC 8970): examples, then fast-check properties (well-formed input parses to the
 * right data; any input parses or throws ParseError, nothing else).
 */
import fc from 'fast-check';
import { parseStatusItems } from '../../../containers/imap/commands/status';
import { parseFetchItems } from '../../../containers/imap/parser/fetch-grammar';
import { parseObjectId } from '../../../containers/imap/parser/object-search-keys';
import { parseSearchKey } from '../../../containers/imap/parser/search-grammar';
import { ParseError, Tokenizer } from '../../../containers/imap/parser/tokenizer';
import { emailIdOf, threadIdOf } from '../../../core/jmap/ids';

const SEED = 20261203;
const tok = (s: string): Tokenizer => new Tokenizer(Buffer.from(s, 'latin1'));
const items = (s: string) => parseFetchItems(tok(s));
const key = (s: string) => parseSearchKey(tok(s), (b) => b.toString('utf8'));

describe('FETCH items', () => {
  test('PREVIEW, PREVIEW (LAZY), SAVEDATE, EMAILID, THREADID', () => {
    expect(items('(PREVIEW SAVEDATE EMAILID THREADID)')).toEqual([
      { kind: 'preview', lazy: false },
      { kind: 'simple', name: 'SAVEDATE' },
      { kind: 'simple', name: 'EMAILID' },
      { kind: 'simple', name: 'THREADID' },
    ]);
    expect(items('(PREVIEW (LAZY) FLAGS)')).toEqual([
      { kind: 'preview', lazy: true },
      { kind: 'simple', name: 'FLAGS' },
    ]);
    expect(items('(preview (lazy lazy))')).toEqual([{ kind: 'preview', lazy: true }]);
    expect(items('PREVIEW (LAZY)')).toEqual([{ kind: 'preview', lazy: true }]);
  });

  test('a list after a lone PREVIEW that is not LAZY is left for the FETCH modifiers', () => {
    const t = tok('PREVIEW (CHANGEDSINCE 5)');
    expect(parseFetchItems(t)).toEqual([{ kind: 'preview', lazy: false }]);
    expect(t.buf.toString('latin1', t.pos)).toBe(' (CHANGEDSINCE 5)');
  });

  test('bad modifiers are ParseErrors', () => {
    for (const bad of [
      '(PREVIEW (LAZY FAST))',
      '(PREVIEW ())',
      '(PREVIEW (LAZY)',
      '(SAVEDATE[])',
      '(PREVIEWS)',
    ]) {
      expect(() => items(bad)).toThrow(ParseError);
    }
  });
});

describe('SEARCH keys', () => {
  test('EMAILID and THREADID map JMAP ids to row ids; other well-formed ids match nothing', () => {
    expect(key(`EMAILID ${emailIdOf(1234)}`)).toEqual({ op: 'emailid', id: 1234 });
    expect(key(`THREADID ${threadIdOf(99)}`)).toEqual({ op: 'threadid', id: 99 });
    expect(key('EMAILID M12')).toEqual({ op: 'emailid', id: null });
    expect(key('THREADID t_-x')).toEqual({ op: 'threadid', id: null });
  });

  test('SAVEDBEFORE / SAVEDON / SAVEDSINCE take a date; SAVEDATESUPPORTED matches everything', () => {
    expect(key('SAVEDBEFORE 1-Feb-2024')).toEqual({
      op: 'saved',
      cmp: 'before',
      date: new Date(Date.UTC(2024, 1, 1)),
    });
    expect(key('SAVEDON "03-Dec-2026"')).toEqual({
      op: 'saved',
      cmp: 'on',
      date: new Date(Date.UTC(2026, 11, 3)),
    });
    expect(key('SAVEDSINCE 9-Sep-1999').op).toBe('saved');
    expect(key('SAVEDATESUPPORTED')).toEqual({ op: 'all' });
  });

  test('malformed keys are ParseErrors', () => {
    for (const bad of [
      'EMAILID',
      'EMAILID (e1)',
      'THREADID "t1"',
      `EMAILID ${'a'.repeat(256)}`,
      'SAVEDON',
      'SAVEDON 32-Jan-2020',
    ]) {
      expect(() => key(bad)).toThrow(ParseError);
    }
  });
});

describe('STATUS items', () => {
  test('MAILBOXID (OBJECTID), SIZE (STATUS=SIZE) and APPENDLIMIT are items; others are BAD', () => {
    expect(parseStatusItems(tok('(MAILBOXID size AppendLimit MESSAGES)'))).toEqual([
      'MAILBOXID',
      'SIZE',
      'APPENDLIMIT',
      'MESSAGES',
    ]);
    for (const bad of ['(EMAILID)', '()', '(MAILBOXID', 'MAILBOXID'])
      expect(() => parseStatusItems(tok(bad))).toThrow(ParseError);
  });
});

describe('properties', () => {
  test('objectid: exactly 1 to 255 of A-Z a-z 0-9 _ -', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,255}$/), (id) => {
        const t = tok(`${id} rest`);
        expect(parseObjectId(t)).toBe(id);
        expect(t.pos).toBe(id.length);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('JMAP ids round-trip through the SEARCH keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (n) => {
        expect(key(`EMAILID ${emailIdOf(n)}`)).toEqual({ op: 'emailid', id: n });
        expect(key(`THREADID ${threadIdOf(n)}`)).toEqual({ op: 'threadid', id: n });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  const soup = fc
    .array(
      fc.constantFrom(
        ' ',
        '(',
        ')',
        'PREVIEW',
        'LAZY',
        'SAVEDATE',
        'EMAILID',
        'THREADID',
        'SAVEDON',
        'SAVEDATESUPPORTED',
        'SAVEDBEFORE',
        '1-Jan-2020',
        'e1',
        't_',
        '"',
        '{2}\r\n',
        '~{1}\r\n',
        '\0',
        '-',
        'x'.repeat(130),
      ),
      { maxLength: 12 },
    )
    .map((p) => Buffer.from(p.join(''), 'latin1'));

  test('FETCH items and SEARCH keys: parse or throw ParseError, nothing else', () => {
    fc.assert(
      fc.property(soup, (bytes) => {
        for (const rule of [
          (t: Tokenizer) => parseFetchItems(t),
          (t: Tokenizer) => parseSearchKey(t, (b) => b.toString('utf8')),
        ]) {
          const t = new Tokenizer(bytes);
          try {
            rule(t);
          } catch (error) {
            if (!(error instanceof ParseError)) throw error;
          }
          expect(t.pos).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
