/**
 * The device-facing parsers and encoders of the Email class: ServerIds and FileReferences,
 * categories ↔ keywords, a client's Change, UTF-8 truncation and the body type choice.
 * Property tests: nothing a device sends throws or escapes its bounds.
 */
import fc from 'fast-check';
import { chooseBody, truncateUtf8 } from '../../../core/eas/email/email-body';
import { categoriesOf, categoryToKeyword, keywordToCategory } from '../../../core/eas/email/email-categories';
import { parseMailChange } from '../../../core/eas/email/email-change';
import { parseDraft } from '../../../core/eas/email/email-draft';
import { fileReference, itemIn, parseFileReference, parseItemId } from '../../../core/eas/email/email-ids';
import { filterSince } from '../../../core/eas/email/email-query';
import { importanceOf, renderApplicationData } from '../../../core/eas/email/email-render';
import { validKeyword } from '../../../core/jmap/util';
import { parseMessageStructure } from '../../../core/mime';
import { child, decodeWbxml, el, encodeWbxml, textAt, type EasElement } from '../../../core/eas/wbxml';

const SEED = { seed: 20261203, numRuns: 300 };

describe('ServerIds and FileReferences', () => {
  it('parse only the exact forms, confined to the folder', () => {
    expect(parseItemId('m12:345')).toEqual({ mailboxId: 12, uid: 345 });
    for (const bad of [
      'm12',
      'm012:3',
      'm12:03',
      'c12:3',
      'm12:3:1',
      'm12:',
      ' m12:3',
      'm1:99999999999999999',
    ])
      expect(parseItemId(bad)).toBeNull();
    expect(itemIn('m12', 'm12:3')).toEqual({ mailboxId: 12, uid: 3 });
    expect(itemIn('m13', 'm12:3')).toBeNull();
    expect(fileReference(12, 345, [1, 2])).toBe('m12:345:1.2');
    expect(parseFileReference('m12:345:1.2')).toEqual({ mailboxId: 12, uid: 345, part: [1, 2] });
    expect(parseFileReference('m12:345:2')).toEqual({ mailboxId: 12, uid: 345, part: [2] });
    for (const bad of ['m12:345', 'm12:345:', 'm12:345:0', 'm12:345:1..2', 'm12:345:1.', 'x12:1:1'])
      expect(parseFileReference(bad)).toBeNull();
  });

  it('property: round trip, and arbitrary strings never throw', () => {
    const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(
        id,
        id,
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 8 }),
        (m, u, p) => {
          expect(parseFileReference(fileReference(m, u, p))).toEqual({ mailboxId: m, uid: u, part: p });
          expect(parseItemId(`m${m}:${u}`)).toEqual({ mailboxId: m, uid: u });
        },
      ),
      SEED,
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseItemId(s);
        parseFileReference(s);
      }),
      SEED,
    );
  });
});

describe('categories as keywords', () => {
  it('keeps atoms as they are and encodes the rest reversibly', () => {
    expect(categoryToKeyword('Work')).toBe('Work');
    expect(categoryToKeyword('Project X')).toBe('Project&ACA-X');
    expect(categoryToKeyword('a&b')).toBe('a&ACY-b');
    expect(categoryToKeyword('')).toBeNull();
    expect(categoryToKeyword('$Junk')).toBeNull();
    expect(categoriesOf(['\\Seen', '$Forwarded', 'Work', 'Project&ACA-X'])).toEqual(['Work', 'Project X']);
    // A keyword set over IMAP that merely contains "&" shows as it is.
    expect(keywordToCategory('R&D')).toBe('R&D');
  });

  it('property: every category becomes a valid IMAP keyword that reads back the same', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (category) => {
        const keyword = categoryToKeyword(category);
        if (keyword === null) return;
        expect(validKeyword(keyword)).toBe(true);
        expect(keywordToCategory(keyword)).toBe(category);
      }),
      SEED,
    );
  });
});

const EMAIL = 2;
const arbitraryTree: fc.Arbitrary<EasElement> = fc.letrec<{ node: EasElement }>((tie) => ({
  node: fc.record({
    page: fc.constantFrom<number>(0, 2, 17, 22),
    name: fc.constantFrom<string>(
      'Read',
      'Flag',
      'Status',
      'Categories',
      'Category',
      'Body',
      'Data',
      'To',
      'Add',
    ),
    children: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'tree' },
      fc.constant<EasElement[]>([]),
      fc.array(tie('node'), { maxLength: 4 }),
    ),
    text: fc.option(fc.string(), { nil: undefined }),
  }),
})).node;

describe('client Change', () => {
  it('reads Read, Flag and Categories only', () => {
    const change = parseMailChange(
      el(
        'AirSync',
        'ApplicationData',
        el('Email', 'Read', '1'),
        el('Email', 'Flag', el('Email', 'Status', '2')),
        el('Email', 'Categories', el('Email', 'Category', 'A b'), el('Email', 'Category', 'a B')),
        el('Email', 'Subject', 'x'),
      ),
    );
    expect(change).toEqual({ seen: true, flagged: true, categories: ['a&ACA-B'] });
    expect(parseMailChange(el('AirSync', 'ApplicationData', el('Email', 'Flag')))).toEqual({
      flagged: false,
    });
    expect(parseMailChange(el('AirSync', 'ApplicationData', el('Email', 'Read', 'yes')))).toEqual({});
  });

  it('property: any tree parses without throwing, with at most 100 categories', () => {
    fc.assert(
      fc.property(arbitraryTree, (tree) => {
        const change = parseMailChange(tree);
        expect((change.categories ?? []).length).toBeLessThanOrEqual(100);
        parseDraft(tree);
      }),
      SEED,
    );
    const many = el(
      'AirSync',
      'ApplicationData',
      el('Email', 'Categories', ...Array.from({ length: 500 }, (_, i) => el(EMAIL, 'Category', `c${i}`))),
    );
    expect(parseMailChange(many).categories).toHaveLength(100);
  });
});

describe('bodies', () => {
  it('truncates UTF-8 on character boundaries', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(200), (s, n) => {
        const cut = truncateUtf8(s, n);
        expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(Math.max(n, 0));
        expect(s.startsWith(cut)).toBe(true);
        if (Buffer.byteLength(s, 'utf8') <= n) expect(cut).toBe(s);
      }),
      SEED,
    );
  });

  it('chooses MIME with MIMESupport, else the first preference served, else plain', () => {
    const plain = parseMessageStructure(Buffer.from('Subject: x\r\n\r\nhi\r\n'));
    const signed = parseMessageStructure(
      Buffer.from('Content-Type: multipart/signed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b--\r\n'),
    );
    const o = (mimeSupport: number, types: number[]) => ({
      version: '16.1' as const,
      mimeSupport,
      bodyPreferences: types.map((type) => ({ type })),
    });
    expect(chooseBody(o(2, [2, 4]), plain).type).toBe(4);
    expect(chooseBody(o(1, [2, 4]), plain).type).toBe(2);
    expect(chooseBody(o(1, [2, 4]), signed).type).toBe(4);
    expect(chooseBody(o(0, [3, 1]), plain).type).toBe(1);
    expect(chooseBody(o(0, [4]), plain).type).toBe(4);
    expect(chooseBody(o(2, []), plain)).toEqual({ type: 1, preference: undefined });
  });

  it('maps Importance and X-Priority', () => {
    const f = (name: string, value: string) => [{ name, value, raw: Buffer.alloc(0) }];
    expect(importanceOf(f('Importance', 'High'))).toBe(2);
    expect(importanceOf(f('X-Priority', '5 (Lowest)'))).toBe(0);
    expect(importanceOf(f('X-Priority', '3'))).toBe(1);
    expect(importanceOf([])).toBe(1);
  });

  it('filter windows go back 1 day … 6 months; 0 and unknown types mean everything', () => {
    const now = new Date('2026-12-03T10:00:00.000Z');
    expect(filterSince(1, now)?.toISOString()).toBe('2026-12-02T10:00:00.000Z');
    expect(filterSince(3, now)?.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(filterSince(0, now)).toBeNull();
    expect(filterSince(8, now)).toBeNull();
  });
});

describe('rendering hostile mail', () => {
  const header = fc.constantFrom(
    'Content-Type: multipart/mixed; boundary=b',
    'Content-Type: multipart/alternative; boundary=b',
    'Content-Type: text/html; charset=x-unknown',
    'Content-Type: text/plain; charset=iso-2022-jp',
    'Content-Transfer-Encoding: base64',
    'Content-Transfer-Encoding: quoted-printable',
    "Content-Disposition: attachment; filename*=utf-8''%E2%82%AC.txt",
    'Subject: =?utf-8?b?broken',
    'From: "x" <>, ;;, @',
    'To: undisclosed-recipients:;',
    'Content-ID: <a@b>',
    'X-Priority: 9',
  );
  const bodyLine = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('--b', '--b--', '', '=00=FF', '\u0000', 'Content-Type: text/html', '<script>x</script>'),
  );

  it('property: any message renders, encodes as WBXML and decodes to the same tree', () => {
    fc.assert(
      fc.property(
        fc.array(header, { maxLength: 6 }),
        fc.array(bodyLine, { maxLength: 12 }),
        fc.constantFrom(1, 2, 4),
        fc.option(fc.nat(64), { nil: undefined }),
        (headers, lines, type, truncationSize) => {
          const raw = Buffer.from(`${headers.join('\r\n')}\r\n\r\n${lines.join('\r\n')}\r\n`, 'utf8');
          const structure = parseMessageStructure(raw);
          const data = renderApplicationData({
            row: {
              id: 1,
              mailboxId: 7,
              uid: 9,
              modseq: 1,
              flags: ['\\Seen', 'k&ACA-'],
              internalDate: new Date('2026-12-03T10:00:00.000Z'),
              size: raw.length,
              blobKey: 'x',
              headerPrefix: Buffer.alloc(0),
              structure,
            },
            raw,
            options: {
              version: '16.1',
              mimeSupport: 0,
              bodyPreferences: [{ type, truncationSize, preview: 20 }],
            },
            threadId: 3,
          });
          const tree = el('AirSync', 'Sync', data);
          // An empty string travels as an empty element: compare without empty texts.
          const bare = (n: EasElement): EasElement => ({
            ...n,
            text: n.text === '' ? undefined : n.text,
            children: n.children.map(bare),
          });
          expect(bare(decodeWbxml(encodeWbxml(tree)))).toEqual(bare(tree));
          const size = Number(textAt(data, 'Body', 'EstimatedDataSize'));
          const sent = child(child(data, 'Body'), 'Data');
          const bytes = sent?.opaque?.length ?? Buffer.byteLength(sent?.text ?? '', 'utf8');
          if (truncationSize !== undefined) expect(bytes).toBeLessThanOrEqual(truncationSize);
          expect(bytes).toBeLessThanOrEqual(size);
        },
      ),
      { seed: 20261203, numRuns: 200 },
    );
  });
});
