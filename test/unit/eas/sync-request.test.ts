/**
 * The Sync request parser and the Ping parser are network-facing: any tree a client can send
 * either parses or is a protocol error (Status 4), never another exception; a well-formed
 * request comes back field by field; the pure change computation keeps its invariants.
 */
import fc from 'fast-check';
import { parsePing } from '../../../core/eas/commands/ping';
import { applyWindow, changeCount, pendingChanges, takeWindow } from '../../../core/eas/sync/sync-changes';
import { SyncProtocolError } from '../../../core/eas/sync/sync-options';
import { parseSyncRequest } from '../../../core/eas/sync/sync-request';
import { el, type EasElement } from '../../../core/eas/wbxml/tree';

const NAMES = [
  'Sync',
  'Collections',
  'Collection',
  'SyncKey',
  'CollectionId',
  'GetChanges',
  'WindowSize',
  'Options',
  'FilterType',
  'BodyPreference',
  'Type',
  'TruncationSize',
  'MIMESupport',
  'MIMETruncation',
  'Conflict',
  'Commands',
  'Add',
  'Change',
  'Delete',
  'Fetch',
  'ClientId',
  'ServerId',
  'ApplicationData',
  'Wait',
  'HeartbeatInterval',
  'Partial',
  'DeletesAsMoves',
  'Ping',
  'Folders',
  'Folder',
  'Id',
  'Class',
];
const TEXTS = [
  '',
  '0',
  '1',
  '2',
  '8',
  '9',
  '100',
  '99999999999',
  '-1',
  'm1',
  'm1:2',
  'Email',
  'x y',
  '\u0000',
];

const tree: fc.Arbitrary<EasElement> = fc.letrec<{ node: EasElement }>((tie) => ({
  node: fc
    .record({
      page: fc.constantFrom(0, 13, 17),
      name: fc.constantFrom(...NAMES),
      children: fc.oneof({ depthSize: 'small' }, fc.constant([]), fc.array(tie('node'), { maxLength: 4 })),
      text: fc.option(fc.oneof(fc.constantFrom(...TEXTS), fc.string({ maxLength: 12 })), { nil: undefined }),
    })
    .map((n) => ({ ...n, children: [...n.children] })),
})).node;

const a = (name: string, ...content: (EasElement | string | number | false | undefined)[]) =>
  el('AirSync', name, ...content);

describe('parseSyncRequest', () => {
  it('parses or refuses with SyncProtocolError, for any tree', () => {
    fc.assert(
      fc.property(tree, (node) => {
        const root = { ...node, page: 0, name: 'Sync' };
        try {
          parseSyncRequest(root);
        } catch (error) {
          if (!(error instanceof SyncProtocolError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('returns the fields of a well-formed request', () => {
    const collection = fc.record({
      key: fc.integer({ min: 0, max: 999_999_999 }),
      id: fc.stringMatching(/^[mca][1-9][0-9]{0,5}$/),
      window: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      getChanges: fc.option(fc.boolean(), { nil: undefined }),
      filter: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
      deletes: fc.array(fc.integer({ min: 1, max: 99 }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(collection, { selector: (c) => c.id, maxLength: 5 }), (cs) => {
        const body = a(
          'Sync',
          a(
            'Collections',
            ...cs.map((c) =>
              a(
                'Collection',
                a('SyncKey', c.key),
                a('CollectionId', c.id),
                c.getChanges !== undefined && a('GetChanges', c.getChanges ? 1 : 0),
                c.window !== undefined && a('WindowSize', c.window),
                c.filter !== undefined && a('Options', a('FilterType', c.filter)),
                c.deletes.length > 0 &&
                  a('Commands', ...c.deletes.map((d) => a('Delete', a('ServerId', `${c.id}:${d}`)))),
              ),
            ),
          ),
        );
        const parsed = parseSyncRequest(body);
        expect(parsed.collections).toHaveLength(cs.length);
        parsed.collections!.forEach((p, i) => {
          const c = cs[i];
          expect(p.syncKey).toBe(String(c.key));
          expect(p.collectionId).toBe(c.id);
          expect(p.windowSize).toBe(c.window);
          expect(p.getChanges).toBe(c.getChanges);
          expect(p.options.map((o) => o.filterType)).toEqual(c.filter === undefined ? [] : [c.filter]);
          expect(p.commands).toEqual(c.deletes.map((d) => ({ kind: 'Delete', serverId: `${c.id}:${d}` })));
        });
      }),
    );
  });

  it('treats no body as an empty request, and refuses what is not Sync', () => {
    expect(parseSyncRequest(null)).toEqual({ collections: null, partial: false });
    expect(() => parseSyncRequest(el('Ping', 'Ping'))).toThrow(SyncProtocolError);
    expect(() =>
      parseSyncRequest(
        a(
          'Sync',
          a(
            'Collections',
            ...['m1', 'm1'].map((id) => a('Collection', a('SyncKey', 1), a('CollectionId', id))),
          ),
        ),
      ),
    ).toThrow(SyncProtocolError);
  });
});

describe('parsePing', () => {
  it('parses or answers null (Status 4), for any tree', () => {
    fc.assert(
      fc.property(tree, (node) => {
        const parsed = parsePing({ ...node, page: 13, name: 'Ping' });
        if (parsed?.heartbeat !== undefined) expect(Number.isInteger(parsed.heartbeat)).toBe(true);
        for (const f of parsed?.folders ?? []) expect(f.id).toMatch(/^[A-Za-z0-9:_-]+$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('pending changes and windows', () => {
  const versions = fc.dictionary(fc.stringMatching(/^m1:[0-9]{1,3}$/), fc.constantFrom('1', '2', '3'));
  it('a device that applies every window ends up holding exactly the folder', () => {
    fc.assert(
      fc.property(versions, versions, fc.integer({ min: 1, max: 7 }), (held, now, size) => {
        const current = new Map(Object.entries(now));
        let snapshot: Record<string, string> = held;
        for (let i = 0; i < 100; i++) {
          const p = pendingChanges(snapshot, current);
          if (changeCount(p) === 0) break;
          const { window, more } = takeWindow(p, size);
          expect(changeCount(window)).toBe(Math.min(size, changeCount(p)));
          expect(more).toBe(changeCount(p) > size);
          snapshot = applyWindow(snapshot, window, current);
        }
        expect(snapshot).toEqual(now);
      }),
    );
  });
});
