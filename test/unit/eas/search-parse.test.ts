/**
 * The network-facing request readers of Search, Find, ItemOperations, MoveItems, Settings Oof
 * and FileReferences: examples from MS-ASCMD's shapes, and fast-check properties that arbitrary
 * trees never throw and that what comes out stays within the limits.
 */
import fc from 'fast-check';
import { attachmentReference, parseAttachmentReference } from '../../../core/eas/attachments';
import { parseItemOperations, MAX_OPERATIONS } from '../../../core/eas/commands/item-operations-parse';
import { parseMoveItems } from '../../../core/eas/commands/move-items';
import { freeTextWords, parseFind, parseSearch, QUERY_LIMITS } from '../../../core/eas/search/search-parse';
import { parseRange } from '../../../core/eas/search/request-options';
import { parseOofSet } from '../../../core/eas/settings/oof';
import { CODE_PAGES } from '../../../core/eas/wbxml/code-pages';
import { el, type EasElement } from '../../../core/eas/wbxml/tree';

const S = (name: string, ...content: (EasElement | string)[]) => el('Search', name, ...content);

/** Arbitrary trees over the pages these commands read, with their real tag names. */
const PAGES = ['Search', 'AirSync', 'Email', 'ItemOperations', 'AirSyncBase', 'Find', 'Move', 'Settings'].map(
  (ns) => CODE_PAGES.find((p) => p.namespace === ns)!,
);
const tree: fc.Arbitrary<EasElement> = fc.letrec<{ node: EasElement }>((tie) => ({
  node: fc
    .record({
      page: fc.constantFrom(...PAGES),
      children: fc.oneof(
        { maxDepth: 4 },
        fc.constant([] as EasElement[]),
        fc.array(tie('node'), { maxLength: 5 }),
      ),
      text: fc.option(
        fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('0-9', '5-1', 'Mailbox', 'GAL', '1', '2')),
        {
          nil: undefined,
        },
      ),
    })
    .chain(({ page, children, text }) =>
      fc.constantFrom(...page.tags.filter(Boolean)).map((name): EasElement => ({
        page: page.page,
        name,
        children,
        ...(text !== undefined ? { text } : {}),
      })),
    ),
})).node;

describe('Search request', () => {
  it('reads a Mailbox query (MS-ASCMD example shape)', () => {
    const body = S(
      'Search',
      S(
        'Store',
        S('Name', 'Mailbox'),
        S(
          'Query',
          S(
            'And',
            el('AirSync', 'Class', 'Email'),
            el('AirSync', 'CollectionId', 'm5'),
            S('FreeText', 'Quarterly  Report'),
            S('GreaterThan', el('Email', 'DateReceived'), S('Value', '2026-01-01T00:00:00.000Z')),
          ),
        ),
        S('Options', S('Range', '0-4'), S('RebuildResults'), S('DeepTraversal')),
      ),
    );
    expect(parseSearch(body, '16.1')).toMatchObject({
      store: 'mailbox',
      query: {
        words: ['quarterly', 'report'],
        collectionIds: ['m5'],
        classes: ['Email'],
        after: new Date('2026-01-01T00:00:00Z'),
        deepTraversal: true,
      },
      range: { start: 0, end: 4 },
    });
  });

  it('calls Or, EqualTo and deep nesting too complex, and bad values invalid', () => {
    const store = (query: EasElement) => S('Search', S('Store', S('Name', 'Mailbox'), S('Query', query)));
    expect(parseSearch(store(S('Or', S('FreeText', 'a'))), '16.1')).toBe('too-complex');
    let deep = S('FreeText', 'x');
    for (let i = 0; i < 8; i++) deep = S('And', deep);
    expect(parseSearch(store(deep), '16.1')).toBe('too-complex');
    expect(
      parseSearch(
        store(S('And', S('GreaterThan', el('Email', 'DateReceived'), S('Value', 'yesterday')))),
        '16.1',
      ),
    ).toBe('invalid');
    expect(parseSearch(S('Search', S('Store', S('Name', 'GAL'), S('Query', ' '))), '16.1')).toBe('invalid');
  });

  it('never throws on arbitrary trees, and bounds what it accepts', () => {
    fc.assert(
      fc.property(tree, (node) => {
        for (const body of [
          node,
          S('Search', node),
          S('Search', S('Store', S('Name', 'Mailbox'), S('Query', node))),
        ]) {
          const parsed = parseSearch(body, '16.1');
          if (typeof parsed === 'object' && parsed.store === 'mailbox') {
            expect(parsed.query.words.length).toBeLessThanOrEqual(QUERY_LIMITS.maxWords);
            if (parsed.range) expect(parsed.range.start).toBeLessThanOrEqual(parsed.range.end);
          }
          parseFind(body, '16.1');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('FreeText and Range', () => {
  it('turns KQL into words', () => {
    expect(
      freeTextWords('to:"Testing1234" OR cc:"Testing1234" OR subject:"Testing1234" OR "Testing1234"'),
    ).toEqual(['testing1234']);
    expect(freeTextWords('x'.repeat(2000))).toBeNull();
  });

  it('reads m-n ranges only', () => {
    expect(parseRange('0-99')).toEqual({ start: 0, end: 99 });
    for (const bad of ['9-0', '-1-2', '0-', 'a-b', '', '1-2-3']) expect(parseRange(bad)).toBeNull();
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseRange(s);
        if (r) expect(r.start <= r.end && Number.isSafeInteger(r.end)).toBe(true);
      }),
    );
  });
});

describe('ItemOperations, MoveItems, Oof, FileReference', () => {
  it('reads the ItemOperations operations in order', () => {
    const IO = (name: string, ...content: (EasElement | string)[]) => el('ItemOperations', name, ...content);
    const body = IO(
      'ItemOperations',
      IO(
        'Fetch',
        IO('Store', 'Mailbox'),
        el('AirSyncBase', 'FileReference', 'm1:17:2'),
        IO('Options', IO('Range', '0-9')),
      ),
      IO('Fetch', IO('Store', 'Mailbox'), el('AirSync', 'ServerId', 'm1:17')),
      IO(
        'Fetch',
        IO('Store', 'Mailbox'),
        el('AirSync', 'CollectionId', 'm2'),
        el('AirSync', 'ServerId', 'm1:17'),
      ),
      IO('EmptyFolderContents', el('AirSync', 'CollectionId', 'm4'), IO('Options', IO('DeleteSubFolders'))),
    );
    const ops = parseItemOperations(body, '16.1')!;
    expect(ops.map((o) => o.op)).toEqual(['fetch', 'fetch', 'invalid', 'empty']);
    expect(ops[1]).toMatchObject({ target: { kind: 'item', collectionId: 'm1', serverId: 'm1:17' } });
    expect(ops[3]).toEqual({ op: 'empty', collectionId: 'm4', deleteSubFolders: true });
  });

  it('never throws on arbitrary trees', () => {
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 6 }), (nodes) => {
        const io = parseItemOperations(el('ItemOperations', 'ItemOperations', ...nodes), '14.1');
        if (io) expect(io.length).toBeLessThanOrEqual(MAX_OPERATIONS);
        parseMoveItems(el('Move', 'MoveItems', ...nodes));
        for (const n of nodes) parseOofSet(n);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips FileReferences and refuses anything else', () => {
    expect(parseAttachmentReference('m12:345:1.2')).toEqual({ mailboxId: 12, uid: 345, part: [1, 2] });
    for (const bad of ['m12:345', 'm0:1:1', 'c1:2:3', 'm1:2:0', 'm1:2:1.', 'm99999999999999999:1:1'])
      expect(parseAttachmentReference(bad)).toBeNull();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.array(fc.integer({ min: 1, max: 999 }), { minLength: 1, maxLength: 5 }),
        (mailboxId, uid, part) => {
          const ref = { mailboxId, uid, part };
          expect(parseAttachmentReference(attachmentReference(ref))).toEqual(ref);
        },
      ),
    );
    fc.assert(fc.property(fc.string(), (s) => void parseAttachmentReference(s)));
  });

  it('reads Oof Set and refuses bad states, dates and body types', () => {
    const O = (name: string, ...content: (EasElement | string)[]) => el('Settings', name, ...content);
    const msg = (type: string) =>
      O(
        'OofMessage',
        O('AppliesToInternal'),
        O('Enabled', '1'),
        O('ReplyMessage', 'Away'),
        O('BodyType', type),
      );
    expect(parseOofSet(O('Set', O('OofState', '1'), msg('Text')))).toEqual({
      state: 1,
      start: null,
      end: null,
      message: { text: 'Away', html: null },
    });
    expect(parseOofSet(O('Set', O('OofState', '1'), msg('RTF')))).toBe('invalid');
    expect(parseOofSet(O('Set', O('OofState', '2')))).toBe('invalid');
    expect(parseOofSet(O('Set', O('OofState', '3')))).toBe('invalid');
  });
});
