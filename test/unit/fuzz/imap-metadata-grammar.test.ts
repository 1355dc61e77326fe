/**
 * METADATA grammar (RFC 5464 §3.2, §5): entry names, GETMETADATA and SETMETADATA arguments, and
 * the response formatting of entry names and values. Examples, then fast-check properties:
 * every input parses or throws ParseError; valid names are accepted and every forbidden octet is
 * refused; commands built from random entries and values parse back to them; formatted names
 * and values read back as what was formatted.
 */
import fc from 'fast-check';
import {
  entryNameProblem,
  formatEntryName,
  formatValue,
  MAX_ENTRY_NAME_LENGTH,
  parseEntryName,
  parseGetMetadata,
  parseListMetadataOption,
  parseSetMetadata,
} from '../../../containers/imap/parser/metadata-grammar';
import { ParseError, Tokenizer } from '../../../containers/imap/parser/tokenizer';

const SEED = 20261203;
const RUNS = 300;

const tok = (text: string | Buffer): Tokenizer =>
  new Tokenizer(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);

describe('entry names (RFC 5464 §3.2)', () => {
  it.each([
    '/private/comment',
    '/shared/comment',
    '/shared/vendor/vendor.example/x-y_z',
    '/PRIVATE/Comment',
    '/private',
    '/shared',
    '/private/a b',
    '/shared/~{1}',
  ])('accepts %j', (name) => {
    expect(entryNameProblem(name)).toBeNull();
  });

  it.each([
    ['', /empty/],
    ['private/comment', /begin with "\/"/],
    ['/', /private or \/shared/],
    ['/foo/bar', /private or \/shared/],
    ['/privatex/a', /private or \/shared/],
    ['/private//a', /consecutive/],
    ['/private/a/', /ends with/],
    ['/private/a*', /"\*" or "%"/],
    ['/private/a%', /"\*" or "%"/],
    ['/private/a\x01', /control/],
    ['/private/a\x19', /control/],
    ['/private/a\x1f', /control/],
    ['/private/a\x7f', /control/],
    ['/private/\u00e9', /ASCII/],
  ])('refuses %j', (name, why) => {
    expect(entryNameProblem(name)).toMatch(why);
  });

  it(`refuses a name longer than ${MAX_ENTRY_NAME_LENGTH} octets`, () => {
    expect(entryNameProblem('/private/' + 'x'.repeat(MAX_ENTRY_NAME_LENGTH))).toMatch(/too long/);
  });

  it('parses atoms, quoted strings and literals, and lower-cases them', () => {
    expect(parseEntryName(tok('/Shared/Comment'))).toBe('/shared/comment');
    expect(parseEntryName(tok('"/private/a b"'))).toBe('/private/a b');
    expect(parseEntryName(tok('{16}\r\n/private/COMMENT'))).toBe('/private/comment');
    expect(() => parseEntryName(tok('~{16}\r\n/private/comment'))).toThrow(ParseError);
    expect(() => parseEntryName(tok('"/private/\xc3\xa9"'))).toThrow(/ASCII/);
    expect(() => parseEntryName(tok('/shared/a*'))).toThrow(/"\*" or "%"/);
    expect(() => parseEntryName(tok('/shared/%'))).toThrow(/"\*" or "%"/);
  });
});

describe('GETMETADATA arguments', () => {
  it('defaults to DEPTH 0 and no MAXSIZE; "" is the server', () => {
    expect(parseGetMetadata(tok(' "" /shared/admin'), false)).toEqual({
      maxSize: null,
      depth: '0',
      mailbox: null,
      entries: ['/shared/admin'],
    });
  });

  it('takes options in any order, a mailbox, and a list of entries without duplicates', () => {
    expect(
      parseGetMetadata(tok(' (DEPTH infinity MAXSIZE 1024) INBOX (/private/a /PRIVATE/A /shared/b)'), false),
    ).toEqual({ maxSize: 1024, depth: 'infinity', mailbox: 'INBOX', entries: ['/private/a', '/shared/b'] });
    expect(parseGetMetadata(tok(' (maxsize 0 depth 1) "Sent Items" /private'), false)).toMatchObject({
      maxSize: 0,
      depth: '1',
      mailbox: 'Sent Items',
    });
    expect(parseGetMetadata(tok(' inbox /shared/x'), false).mailbox).toBe('INBOX');
    expect(parseGetMetadata(tok(' &AOk- /shared/x'), false).mailbox).toBe('\u00e9');
  });

  it.each([
    '',
    ' ',
    ' ""',
    ' "" ',
    ' "" ()',
    ' "" /shared/a /shared/b',
    ' () "" /shared/a',
    ' (DEPTH) "" /shared/a',
    ' (DEPTH 2) "" /shared/a',
    ' (DEPTH -1) "" /shared/a',
    ' (MAXSIZE x) "" /shared/a',
    ' (MAXSIZE 4294967296) "" /shared/a',
    ' (MAXSIZE -1) "" /shared/a',
    ' (FOO 1) "" /shared/a',
    ' (DEPTH 1 "" /shared/a',
    ' "" (/shared/a',
    ' "" /shared/a*',
    ' "" NIL',
    ' "" /shared/a extra',
  ])('refuses %j', (args) => {
    expect(() => parseGetMetadata(tok(args), false)).toThrow(ParseError);
  });
});

describe('SETMETADATA arguments', () => {
  it('reads NIL, quoted strings, literals and literal8, keeping the order', () => {
    const args = parseSetMetadata(
      tok(
        ' INBOX (/private/a NIL /shared/b "x \\" y" /private/c {4}\r\na\r\nb /private/d ~{3}\r\na\0b /private/a "2")',
      ),
      false,
    );
    expect(args.mailbox).toBe('INBOX');
    expect(args.changes).toEqual([
      { entry: '/private/a', value: null },
      { entry: '/shared/b', value: Buffer.from('x " y') },
      { entry: '/private/c', value: Buffer.from('a\r\nb') },
      { entry: '/private/d', value: Buffer.from('a\0b', 'latin1') },
      { entry: '/private/a', value: Buffer.from('2') },
    ]);
    expect(parseSetMetadata(tok(' "" (/private/x "")'), false)).toEqual({
      mailbox: null,
      changes: [{ entry: '/private/x', value: Buffer.alloc(0) }],
    });
  });

  it.each([
    '',
    ' INBOX',
    ' INBOX ()',
    ' INBOX /private/a "x"',
    ' INBOX (/private/a)',
    ' INBOX (/private/a )',
    ' INBOX (/private/a  "x")',
    ' INBOX (/private/a x)',
    ' INBOX (/private/a NILx)',
    ' INBOX (/private/a (x))',
    ' INBOX (/private/a "x" /private/b)',
    ' INBOX (/private/a "x") extra',
    ' INBOX (/private/a {3}\r\na\0b)',
    ' INBOX (/private/a "x"',
    ' INBOX (/foo "x")',
  ])('refuses %j', (args) => {
    expect(() => parseSetMetadata(tok(args), false)).toThrow(ParseError);
  });
});

describe('LIST RETURN (METADATA (…)) option (RFC 9590)', () => {
  it('reads a non-empty list of entry names', () => {
    expect(parseListMetadataOption(tok('(/shared/comment /PRIVATE/Comment /shared/comment)'))).toEqual([
      '/shared/comment',
      '/private/comment',
    ]);
  });

  it.each(['', '()', '/shared/comment', '(/shared/comment', '(/foo)', '(/shared/a*)'])(
    'refuses %j',
    (arg) => {
      expect(() => parseListMetadataOption(tok(arg))).toThrow(ParseError);
    },
  );
});

// Properties ----------------------------------------------------------------------------------

/** A component of an entry name: printable ASCII without "/", "*" and "%". */
const component = fc
  .array(
    fc.integer({ min: 0x20, max: 0x7e }).filter((c) => c !== 0x2f && c !== 0x2a && c !== 0x25),
    { minLength: 1, maxLength: 12 },
  )
  .map((codes) => String.fromCharCode(...codes));

const validName = fc
  .tuple(fc.constantFrom('private', 'shared', 'PRIVATE', 'Shared'), fc.array(component, { maxLength: 4 }))
  .map(([root, parts]) => '/' + [root, ...parts].join('/'));

/** Byte soup of METADATA's lexical pieces. */
const metadataish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ' ',
        '(',
        ')',
        '"',
        '\\',
        '""',
        '{3}\r\n',
        '{2+}\r\n',
        '~{3}\r\n',
        '~',
        'NIL',
        'INBOX',
        '/private',
        '/shared',
        '/comment',
        '/',
        '//',
        '*',
        '%',
        'DEPTH',
        'MAXSIZE',
        'infinity',
        '0',
        '1',
        '4294967296',
        '\0',
        '\r\n',
        '\x7f',
        '\xc3\xa9',
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 3 }),
    ),
    { maxLength: 25 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

/** How a client might send a value: NIL, quoted, literal, literal+ or literal8. */
function sendValue(value: Buffer | null, form: number): string {
  if (value === null) return 'NIL';
  const text = value.toString('latin1');
  if (value.includes(0)) return `~{${value.length}}\r\n${text}`;
  const printable = value.every((b) => b >= 0x20 && b < 0x7f);
  if (printable && form === 0) return '"' + text.replace(/[\\"]/g, '\\$&') + '"';
  return `{${value.length}${form === 1 ? '+' : ''}}\r\n${text}`;
}

describe('METADATA grammar properties', () => {
  it('every rule parses or throws ParseError, and stays in bounds', () => {
    const rules: ((t: Tokenizer) => unknown)[] = [
      parseEntryName,
      parseListMetadataOption,
      (t) => parseGetMetadata(t, false),
      (t) => parseGetMetadata(t, true),
      (t) => parseSetMetadata(t, false),
      (t) => parseSetMetadata(t, true),
    ];
    fc.assert(
      fc.property(
        metadataish,
        fc.boolean(),
        fc.integer({ min: 0, max: rules.length - 1 }),
        (bytes, lead, i) => {
          const input = lead ? Buffer.concat([Buffer.from(' '), bytes]) : bytes;
          const t = tok(input);
          try {
            rules[i](t);
          } catch (error) {
            if (!(error instanceof ParseError)) throw error;
          }
          expect(t.pos).toBeLessThanOrEqual(input.length);
        },
      ),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  it('accepts every well-formed name, and refuses it with any forbidden octet or slash mistake', () => {
    const forbidden = fc.oneof(
      fc.integer({ min: 0, max: 0x1f }),
      fc.constantFrom(0x7f, 0x2a, 0x25),
      fc.integer({ min: 0x80, max: 0xff }),
    );
    fc.assert(
      fc.property(
        validName,
        forbidden,
        fc.nat(),
        fc.constantFrom('//', 'end'),
        (name, octet, at, mistake) => {
          expect(entryNameProblem(name)).toBeNull();
          const pos = 1 + (at % (name.length - 1));
          const spoiled = Buffer.concat([
            Buffer.from(name.slice(0, pos), 'latin1'),
            Buffer.from([octet]),
            Buffer.from(name.slice(pos), 'latin1'),
          ]);
          expect(entryNameProblem(spoiled)).not.toBeNull();
          const slashed = mistake === '//' ? name.slice(0, pos) + '/' + name.slice(pos) : name + '/';
          if (mistake === 'end' || slashed.includes('//')) expect(entryNameProblem(slashed)).not.toBeNull();
        },
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('a SETMETADATA built from random entries and values parses back to them', () => {
    const value = fc.option(
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
      { nil: null },
    );
    const change = fc.tuple(validName, value, fc.integer({ min: 0, max: 2 }));
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 6 }), (changes) => {
        const body = changes.map(([n, v, form]) => `${formatEntryName(n)} ${sendValue(v, form)}`).join(' ');
        const args = parseSetMetadata(tok(Buffer.from(` "" (${body})`, 'latin1')), false);
        expect(args.mailbox).toBeNull();
        expect(args.changes).toEqual(changes.map(([n, v]) => ({ entry: n.toLowerCase(), value: v })));
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  it('a GETMETADATA built from random options and entries parses back to them', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: null }),
        fc.option(fc.constantFrom('0', '1', 'infinity'), { nil: null }),
        fc.array(validName, { minLength: 1, maxLength: 5 }),
        (maxSize, depth, names) => {
          const options = [
            ...(maxSize === null ? [] : [`MAXSIZE ${maxSize}`]),
            ...(depth === null ? [] : [`DEPTH ${depth}`]),
          ];
          const opt = options.length ? ` (${options.join(' ')})` : '';
          const list =
            names.length === 1 ? formatEntryName(names[0]) : `(${names.map(formatEntryName).join(' ')})`;
          const args = parseGetMetadata(tok(`${opt} INBOX ${list}`), false);
          expect(args).toEqual({
            maxSize,
            depth: depth ?? '0',
            mailbox: 'INBOX',
            entries: [...new Set(names.map((n) => n.toLowerCase()))],
          });
        },
      ),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  it('formatted values read back as the same octets (quoted, literal or literal8)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (bytes) => {
        const value = Buffer.from(bytes);
        const out = formatValue(value);
        const wire = typeof out === 'string' ? Buffer.from(out, 'latin1') : out;
        const t = tok(wire);
        const back = wire[0] === 0x7e ? t.literal() : t.stringBytes();
        expect(Buffer.from(back).equals(value)).toBe(true);
        expect(t.atEnd).toBe(true);
        expect(wire[0] === 0x7e).toBe(value.includes(0));
      }),
      { seed: SEED + 4, numRuns: RUNS },
    );
  });
});
