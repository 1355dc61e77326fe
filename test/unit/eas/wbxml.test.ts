import fc from 'fast-check';
import { CODE_PAGES } from '../../../core/eas/wbxml/code-pages';
import { decodeWbxml } from '../../../core/eas/wbxml/decoder';
import { encodeWbxml } from '../../../core/eas/wbxml/encoder';
import { WbxmlError } from '../../../core/eas/wbxml/errors';
import { el, type EasElement } from '../../../core/eas/wbxml/tree';

/** The ActiveSync WBXML codec on its own: the spec's byte example, limits, and properties. */
const SEED = 1515;

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.from(s, 'utf8').toString('hex') + '00';

describe('ActiveSync WBXML codec', () => {
  it('encodes the MS-ASWBXML §4 contact example byte for byte, and decodes it back', () => {
    const tree = el(
      'AirSync',
      'Sync',
      el(
        'AirSync',
        'Collections',
        el(
          'AirSync',
          'Collection',
          el('AirSync', 'Class', 'Contacts'),
          el('AirSync', 'SyncKey', '2'),
          el('AirSync', 'CollectionId', '2'),
          el('AirSync', 'Status', '1'),
          el(
            'AirSync',
            'Commands',
            el(
              'AirSync',
              'Add',
              el('AirSync', 'ServerId', '2:1'),
              el(
                'AirSync',
                'ApplicationData',
                el(
                  'AirSyncBase',
                  'Body',
                  el('AirSyncBase', 'Type', '1'),
                  el('AirSyncBase', 'EstimatedDataSize', '0'),
                  el('AirSyncBase', 'Truncated', '1'),
                ),
                el('Contacts', 'FileAs', 'Funk, Don'),
                el('Contacts', 'FirstName', 'Don'),
                el('Contacts', 'LastName', 'Funk'),
                el('AirSyncBase', 'NativeBodyType', '1'),
              ),
            ),
          ),
        ),
      ),
    );
    const expected = hex(
      `03016a00 45 5c 4f 50 03${str('Contacts')}01 4b 03${str('2')}01 52 03${str('2')}01 4e 03${str('1')}01
       56 47 4d 03${str('2:1')}01 5d 0011 4a 46 03${str('1')}01 4c 03${str('0')}01 4d 03${str('1')}01 01
       0001 5e 03${str('Funk, Don')}01 5f 03${str('Don')}01 69 03${str('Funk')}01
       0011 56 03${str('1')}01 01 01 01 01 01 01`,
    );
    expect(encodeWbxml(tree).toString('hex')).toBe(expected.toString('hex'));
    expect(decodeWbxml(expected)).toEqual(tree);
  });

  it('reads the string table (STR_T), a public id in it, ENTITY and OPAQUE', () => {
    // Header: version 1.3, public id 0 → string index 0, UTF-8, table "-//X\0Hi\0".
    const table = Buffer.from('-//X\0Hi\0');
    const doc = Buffer.concat([
      hex('03 00 00 6a'),
      Buffer.from([table.length]),
      table,
      hex(`0007 56 52 83 05 02 21 01 4f c3 03 000102 01 01`),
    ]);
    const tree = decodeWbxml(doc);
    expect(tree.name).toBe('FolderSync');
    expect(tree.children[0]).toMatchObject({ name: 'SyncKey', text: 'Hi!' });
    expect(tree.children[1].opaque).toEqual(Buffer.from([0, 1, 2]));
  });

  it.each([
    ['empty input', ''],
    ['header only', '03016a00'],
    ['unknown tag on a page', '03016a00 0007 7f 01'],
    ['unknown page', '03016a00 0063 45 01'],
    ['attributes', '03016a00 c5 01 01'],
    ['LITERAL tag', '03016a00 04 00 01'],
    ['END with nothing open', '03016a00 01'],
    ['two roots', '03016a00 0007 12 12'],
    ['unterminated string', '03016a00 0007 56 03 4142'],
    ['opaque past the end', '03016a00 0007 56 c3 7f 00'],
    ['string table reference out of range', '03016a00 0007 56 83 10 01'],
    ['trailing bytes', '03016a00 0007 56 01 00'],
    ['non-UTF-8 charset', '03010400 0007 56 01'],
  ])('refuses %s with a WbxmlError', (_label, bytes) => {
    expect(() => decodeWbxml(hex(bytes))).toThrow(WbxmlError);
  });

  it('enforces the size, depth and element limits', () => {
    const deep = hex('03016a00 0007' + '4e'.repeat(100) + '01'.repeat(100));
    expect(() => decodeWbxml(deep, { maxBytes: 1e6, maxDepth: 64, maxElements: 1e6 })).toThrow(
      expect.objectContaining({ code: 'too-deep' }),
    );
    const wide = hex('03016a00 0007 56' + '12'.repeat(50) + '01');
    expect(() => decodeWbxml(wide, { maxBytes: 1e6, maxDepth: 64, maxElements: 20 })).toThrow(
      expect.objectContaining({ code: 'too-many' }),
    );
    expect(() => decodeWbxml(wide, { maxBytes: 10, maxDepth: 64, maxElements: 1e6 })).toThrow(
      expect.objectContaining({ code: 'too-large' }),
    );
    expect(decodeWbxml(wide).children).toHaveLength(50);
  });

  it('refuses to encode a tag its page does not have, or text with NUL', () => {
    expect(() => encodeWbxml({ page: 7, name: 'NoSuchTag', children: [] })).toThrow(WbxmlError);
    expect(() => encodeWbxml(el('FolderHierarchy', 'SyncKey', 'a\0b'))).toThrow(WbxmlError);
  });

  it('decodes arbitrary bytes to a tree or a WbxmlError, nothing else', () => {
    const header = fc.constantFrom(hex('03016a00'), hex('03006a00'), hex('0301'), Buffer.alloc(0));
    const body = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(header, body, (h, b) => {
        try {
          decodeWbxml(Buffer.concat([h, b]), { maxBytes: 1 << 20, maxDepth: 16, maxElements: 100 });
        } catch (error) {
          if (!(error instanceof WbxmlError)) throw error;
        }
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('round-trips arbitrary trees through encode and decode', () => {
    const tag = fc
      .constantFrom(...CODE_PAGES)
      .chain((p) => fc.constantFrom(...p.tags.filter(Boolean)).map((name) => ({ page: p.page, name })));
    const text = fc
      .string({ minLength: 1, maxLength: 20, unit: 'grapheme' })
      .filter((s) => !s.includes('\0'));
    const tree: fc.Arbitrary<EasElement> = fc.letrec<{ node: EasElement }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ tag, text }).map(({ tag: t, text: s }) => ({ ...t, children: [], text: s })),
        fc
          .record({ tag, opaque: fc.uint8Array({ maxLength: 40 }) })
          .map(({ tag: t, opaque }) => ({ ...t, children: [], opaque: Buffer.from(opaque) })),
        tag.map((t) => ({ ...t, children: [] })),
        fc
          .record({ tag, children: fc.array(tie('node'), { minLength: 1, maxLength: 4 }) })
          .map(({ tag: t, children }) => ({ ...t, children })),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (t) => {
        expect(decodeWbxml(encodeWbxml(t))).toEqual(t);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
