/**
 * The append-message grammar (APPEND, MULTIAPPEND, REPLACE; CATENATE RFC 4469, UTF8 RFC 6855)
 * and the BURL argument (RFC 4468): examples, errors, and properties — every input parses or
 * throws ParseError, and generated CATENATE lists come back part for part.
 */
import fc from 'fast-check';
import { parseAppendMessage, type CatPart } from '../../../containers/imap/parser/append-grammar';
import { ParseError, Tokenizer } from '../../../containers/imap/parser/tokenizer';
import { parseBurlArgument } from '../../../containers/smtp/burl-command';

const SEED = 20261203;
const RUNS = 300;

const parse = (text: string | Buffer) => {
  const t = new Tokenizer(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
  const message = parseAppendMessage(t);
  t.end();
  return message;
};

describe('parseAppendMessage', () => {
  test('plain literal with flags and date', () => {
    const m = parse('(\\Seen $x \\Seen \\Recent) "03-Dec-2026 10:00:00 +0000" {3}\r\nabc');
    expect(m.flags).toEqual(['\\Seen', '$x']);
    expect(m.internalDate?.toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(m.data).toEqual(Buffer.from('abc'));
  });

  test('literal8, UTF8 (literal8), CATENATE with URL, TEXT literal/literal8 and UTF8 parts', () => {
    expect(parse('~{3}\r\na\0b').data).toEqual(Buffer.from('a\0b', 'latin1'));
    expect(parse('UTF8 (~{2}\r\n\xc3\xa9)').data).toEqual(Buffer.from('\xc3\xa9', 'latin1'));
    const m = parse(
      'catenate (URL "/INBOX;UID=1" TEXT {2+}\r\nhi url ;UID=2 TEXT ~{1}\r\n\0 UTF8 (~{1}\r\nx))',
    );
    expect(m.data).toEqual([
      { kind: 'url', url: '/INBOX;UID=1' },
      { kind: 'text', data: Buffer.from('hi') },
      { kind: 'url', url: ';UID=2' },
      { kind: 'text', data: Buffer.from('\0', 'latin1') },
      { kind: 'text', data: Buffer.from('x') },
    ]);
  });

  test.each([
    ['CATENATE ()', 'Empty list'],
    ['CATENATE (URL)', 'Expected URL or TEXT'],
    ['CATENATE (TEXT "x")', 'TEXT needs a literal'],
    ['CATENATE (FOO {1}\r\nx)', 'Expected URL or TEXT'],
    ['CATENATE (TEXT {1}\r\nx', 'Missing arguments'],
    ['CATENATE (TEXT {3}\r\na\0b)', 'NUL'],
    ['UTF8 ({1}\r\nx)', 'literal8'],
    ['"abc"', 'Invalid date-time'],
    ['(\\Bogus) {1}\r\nx', 'Unknown system flag'],
    ['', 'Expected a message literal'],
  ])('%j is a ParseError (%s)', (text, why) => {
    expect(() => parse(text)).toThrow(ParseError);
    expect(() => parse(text)).toThrow(new RegExp(why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'));
  });

  const lexical = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'CATENATE ',
          'URL ',
          'TEXT ',
          'UTF8 ',
          '(',
          ')',
          ' ',
          '"',
          '{1}\r\n',
          '~{2}\r\n',
          '{1+}\r\n',
          '\\Seen',
          '\0',
          'x',
        ),
        fc.string({ unit: 'binary-ascii', maxLength: 3 }),
      ),
      { maxLength: 20 },
    )
    .map((parts) => Buffer.from(parts.join(''), 'latin1'));

  test('any input parses or throws ParseError, never past its end', () => {
    fc.assert(
      fc.property(lexical, (bytes) => {
        const t = new Tokenizer(bytes);
        try {
          parseAppendMessage(t);
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
        }
        expect(t.pos).toBeLessThanOrEqual(bytes.length);
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  const part: fc.Arbitrary<CatPart> = fc.oneof(
    fc.record({
      kind: fc.constant('url' as const),
      url: fc.stringMatching(/^[\x21\x23-\x5b\x5d-\x7e]{1,40}$/),
    }),
    fc.record({
      kind: fc.constant('text' as const),
      data: fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)),
    }),
  );

  test('a generated CATENATE list comes back part for part', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 8 }), (parts) => {
        const wire = parts
          .map((p) =>
            p.kind === 'url'
              ? Buffer.from(`URL "${p.url}"`)
              : Buffer.concat([
                  Buffer.from(`TEXT ${p.data.includes(0) ? '~' : ''}{${p.data.length}}\r\n`),
                  p.data,
                ]),
          )
          .reduce((acc, b, i) => Buffer.concat(i === 0 ? [b] : [acc, Buffer.from(' '), b]), Buffer.alloc(0));
        const m = parse(Buffer.concat([Buffer.from('CATENATE ('), wire, Buffer.from(')')]));
        expect(m.data).toEqual(parts);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('parseBurlArgument', () => {
  test.each([
    ['imap://h/INBOX/;UID=1 LAST', { url: 'imap://h/INBOX/;UID=1', last: true }],
    ['imap://h/INBOX/;UID=1 last', { url: 'imap://h/INBOX/;UID=1', last: true }],
    ['imap://h/INBOX/;UID=1', { url: 'imap://h/INBOX/;UID=1', last: false }],
  ])('%s', (argument, expected) => expect(parseBurlArgument(argument)).toEqual(expected));

  test.each(['', 'a b', 'a LAST b', 'LAST LAST LAST'])('%j is a 501', (argument) =>
    expect(parseBurlArgument(argument)).toMatchObject({ code: 501, enhanced: '5.5.4' }),
  );

  test('never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (argument) => {
        const result = parseBurlArgument(argument);
        if ('url' in result) expect(result.url).not.toMatch(/\s/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
