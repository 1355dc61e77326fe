/**
 * Fuzz layer for the IMAP parser (issue #11): the command reader gives the same commands however
 * the bytes are packeted; every grammar rule either parses or throws ParseError (which the
 * session answers with BAD) — never another exception; mailbox names decode strictly (invalid
 * UTF-8, malformed modified UTF-7, control characters and lone surrogates are refused).
 */
import fc from 'fast-check';
import { CommandReader, type ReaderEvent } from '../../../containers/imap/parser/command-reader';
import { parseFetchItems, parseFetchModifiers } from '../../../containers/imap/parser/fetch-grammar';
import {
  decodeMailboxName,
  parseDate,
  parseDateTime,
  parseFlagList,
  parseListMailbox,
  parseMailbox,
  parseSequenceSet,
  parseStoreArgs,
} from '../../../containers/imap/parser/grammar';
import { parseSearchProgram } from '../../../containers/imap/parser/search-grammar';
import { ParseError, Tokenizer } from '../../../containers/imap/parser/tokenizer';
import { mailboxNameProblem } from '../../../core/mail/mailbox-name';
import { decodeModifiedUtf7, encodeModifiedUtf7 } from '../../../core/util/modified-utf7';

const SEED = 20261106;
const RUNS = 300;

/** Byte soup made of IMAP's lexical pieces, so that the parsers get past their first token. */
const imapish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ' ',
        '(',
        ')',
        '"',
        '\\',
        '{',
        '}',
        '~{3}\r\n',
        '{2}\r\n',
        '{1+}\r\n',
        '[',
        ']',
        '<',
        '>',
        '.',
        '*',
        '%',
        ':',
        ',',
        '$',
        '1',
        '42',
        '4294967296',
        '0',
        'BODY',
        'BODY.PEEK',
        'HEADER.FIELDS',
        'FLAGS',
        '+FLAGS.SILENT',
        'UNCHANGEDSINCE',
        'CHANGEDSINCE',
        'NOT',
        'OR',
        'SUBJECT',
        'SINCE',
        '1-Jan-2020',
        '"01-Jan-2020 10:00:00 +0100"',
        'RETURN ',
        'CHARSET ',
        '\\Seen',
        '\\Recent',
        'INBOX',
        '&AOk-',
        '&',
        '-',
        '\0',
        '\r',
        '\n',
        '\xed\xa0\x80',
        '\xff',
        '\xc3\xa9',
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 3 }),
    ),
    { maxLength: 25 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

type Rule = (t: Tokenizer) => unknown;
const RULES: Record<string, Rule> = {
  'sequence-set': parseSequenceSet,
  'flag-list': parseFlagList,
  date: parseDate,
  'date-time': parseDateTime,
  mailbox: (t) => parseMailbox(t, false),
  'mailbox (UTF8=ACCEPT)': (t) => parseMailbox(t, true),
  'list-mailbox': parseListMailbox,
  'store arguments': parseStoreArgs,
  'fetch items': parseFetchItems,
  'fetch modifiers': parseFetchModifiers,
  search: (t) => parseSearchProgram(t, () => (b) => b.toString('utf8')),
  astring: (t) => t.astring(),
  nstring: (t) => t.nstring(),
};

describe('IMAP grammar rules', () => {
  it.each(Object.keys(RULES))('%s: parses or throws ParseError, nothing else', (name) => {
    fc.assert(
      fc.property(imapish, fc.boolean(), (bytes, utf8) => {
        const t = new Tokenizer(bytes, { utf8 });
        try {
          RULES[name](t);
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
        }
        expect(t.pos).toBeLessThanOrEqual(bytes.length);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  // Found with 10x the runs and another seed: a quoted string ending in a lone backslash.
  it.each(Object.keys(RULES))('%s: a quoted string cut after its backslash stays in bounds', (name) => {
    const bytes = Buffer.from('"\\');
    const t = new Tokenizer(bytes);
    expect(() => RULES[name](t)).toThrow(ParseError);
    expect(t.pos).toBeLessThanOrEqual(bytes.length);
  });

  it('gives back well-formed sequence sets, flag lists and quoted strings', () => {
    const seq = fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.constant(-1));
    const range = fc.tuple(seq, seq);
    const flag = fc.oneof(
      fc.constantFrom('\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'),
      fc.stringMatching(/^[A-Za-z$][A-Za-z0-9_$.-]{0,10}$/),
    );
    const text = fc.string({ unit: 'binary-ascii', maxLength: 20 }).filter((t) => !/[\0\r\n]/.test(t));
    fc.assert(
      fc.property(
        fc.array(range, { minLength: 1, maxLength: 5 }),
        fc.array(flag, { maxLength: 5 }),
        text,
        (ranges, flags, q) => {
          const n = (v: number) => (v === -1 ? '*' : String(v));
          const set = ranges.map(([a, b]) => (a === b ? n(a) : `${n(a)}:${n(b)}`)).join(',');
          expect(parseSequenceSet(new Tokenizer(Buffer.from(set))).ranges).toEqual(ranges);
          expect(parseFlagList(new Tokenizer(Buffer.from(`(${flags.join(' ')})`)))).toEqual(flags);
          const quoted = `"${q.replace(/[\\"]/g, '\\$&')}"`;
          expect(new Tokenizer(Buffer.from(quoted, 'latin1')).quoted().toString('latin1')).toBe(q);
        },
      ),
      { seed: SEED + 6, numRuns: RUNS },
    );
  });

  it('deeply nested search keys are refused, not a stack overflow', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom('(', 'NOT ', 'OR ALL '),
        (depth, opener) => {
          const text = opener.repeat(depth) + 'ALL' + (opener === '(' ? ')'.repeat(depth) : '');
          const t = new Tokenizer(Buffer.from(text));
          try {
            parseSearchProgram(t, () => (b) => b.toString('utf8'));
          } catch (error) {
            if (!(error instanceof ParseError)) throw error;
          }
        },
      ),
      { seed: SEED + 1, numRuns: 100 },
    );
  });
});

describe('IMAP command reader', () => {
  /** Runs the reader over packets, accepting every literal as the session would (within limits). */
  function events(stream: Buffer, sizes: number[]): string[] {
    const reader = new CommandReader();
    const out: string[] = [];
    let offset = 0;
    let i = 0;
    const drain = () => {
      for (;;) {
        const event: ReaderEvent | null = reader.next(64);
        if (!event) return;
        if (event.kind === 'literal') {
          out.push(`literal ${event.size} ${event.sync}`);
          if (event.size > 100) {
            if (event.sync) reader.reject();
            else reader.discard();
          } else reader.accept();
        } else out.push(`${event.kind} ${event.kind === 'command' ? event.data.toString('latin1') : ''}`);
      }
    };
    while (offset < stream.length) {
      const size = sizes.length ? sizes[i++ % sizes.length] : stream.length;
      reader.push(stream.subarray(offset, offset + size));
      offset += size;
      drain();
    }
    return out;
  }

  const commands = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'a1 NOOP\r\n',
          'a2 LOGIN {4}\r\nuser {3+}\r\npwd\r\n',
          'a3 APPEND INBOX ~{5}\r\n\0\r\n.\r\n',
          'a4 CREATE {200+}\r\n',
          'a5 SELECT "INBOX"\n',
          'a6 ' + 'x'.repeat(80) + '\r\n',
          'a7 STATUS {0}\r\n (MESSAGES)\r\n',
          '\r\n',
          'a8 X {99999999999999999999}\r\n',
        ),
        imapish.map((b) => b.toString('latin1') + '\r\n'),
      ),
      { maxLength: 8 },
    )
    .map((parts) => Buffer.from(parts.join(''), 'latin1'));

  it('yields the same events however the bytes are packeted', () => {
    fc.assert(
      fc.property(commands, fc.array(fc.integer({ min: 1, max: 11 }), { maxLength: 6 }), (stream, sizes) => {
        expect(events(stream, sizes)).toEqual(events(stream, []));
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });
});

describe('mailbox names', () => {
  const hasControl = (s: string) => mailboxNameProblem(s) !== null;

  it('decode strictly: a name is returned only if it is acceptable', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.boolean(), (raw, utf8) => {
        const bytes = Buffer.from(raw);
        let name: string;
        try {
          name = decodeMailboxName(bytes, utf8);
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
          return;
        }
        expect(hasControl(name)).toBe(false);
        if (utf8 || bytes.some((b) => b >= 0x80)) {
          // Valid UTF-8 only: re-encoding gives back the bytes (no U+FFFD patching).
          expect(Buffer.from(name, 'utf8').equals(bytes) || /^inbox/i.test(bytes.toString('latin1'))).toBe(
            true,
          );
        }
      }),
      { seed: SEED + 3, numRuns: 500 },
    );
  });

  it('any acceptable Unicode name survives modified UTF-7 and UTF-8 on the wire', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), (name) => {
        fc.pre(!hasControl(name) && !/^inbox/i.test(name));
        expect(decodeMailboxName(Buffer.from(encodeModifiedUtf7(name), 'latin1'), false)).toBe(name);
        expect(decodeMailboxName(Buffer.from(name, 'utf8'), true)).toBe(name);
      }),
      { seed: SEED + 4, numRuns: RUNS },
    );
  });

  it('modified UTF-7 is decoded only in its one canonical spelling', () => {
    const b64 = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,'.split(''),
    );
    const utf7ish = fc
      .array(fc.oneof(fc.constantFrom('&', '-', 'a', '&-', ' ', '/'), b64), { maxLength: 16 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(utf7ish, (text) => {
        const decoded = decodeModifiedUtf7(text);
        if (decoded !== null) expect(encodeModifiedUtf7(decoded)).toBe(text);
      }),
      { seed: SEED + 5, numRuns: 500 },
    );
  });

  // Regressions: issue #11 and the malformed sequences RFC 9051 §5.1.3 rules out.
  it.each([
    ['encoded surrogate (issue #11)', '\xed\xa0\x80', false],
    ['encoded surrogate with UTF8=ACCEPT', '\xed\xa0\x80', true],
    ['overlong "/"', '\xc0\xaf', false],
    ['truncated sequence', 'a\xe2\x82', true],
    ['Latin-1 byte', 'Caf\xe9', false],
    ['unterminated shift', '&AOk', false],
    ['shifted ASCII', '&AGE-', false],
    ['adjacent shifted runs', '&AOk-&AOk-', false],
    ['non-zero padding bits', '&AOl-', false],
    ['half a UTF-16 unit', '&AA-', false],
    ['lone surrogate', '&2AA-', false],
    ['"/" instead of ","', '&U/BTFw-', false],
    ['shifted control character', '&AAE-', false],
    ['raw control character', 'a\x01b', false],
    ['C1 control in UTF-8', 'a\xc2\x85b', true],
    ['DEL', 'a\x7fb', true],
    ['LINE SEPARATOR', 'a\xe2\x80\xa8b', true],
  ])('refuses %s', (_why, latin1, utf8) => {
    expect(() => decodeMailboxName(Buffer.from(latin1, 'latin1'), utf8)).toThrow(ParseError);
  });

  it.each([
    ['&AOk-t&AOk-', false, 'été'],
    ['&U,BTFw-/&ZeVnLIqe-', false, '台北/日本語'],
    ['a&-b', false, 'a&b'],
    ['\xc3\xa9t\xc3\xa9', false, 'été'],
    ['\xc3\xa9t\xc3\xa9', true, 'été'],
    ['inbox/x', false, 'INBOX/x'],
  ])('accepts %j', (latin1, utf8, expected) => {
    expect(decodeMailboxName(Buffer.from(latin1, 'latin1'), utf8)).toBe(expected);
  });
});
