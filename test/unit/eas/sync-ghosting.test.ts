/**
 * Ghosting (MS-ASCMD §2.2.3.168 Supported): the names a device sends with SyncKey 0 are kept in
 * the collection's Sync state and handed to the source on every later Change; no Supported means
 * nothing is ghosted, an empty one that everything is. Mail folders have no Supported. The
 * parser is checked with fast-check: any Supported content is either its element names or a
 * SyncProtocolError. What the PIM source does with the names: test/e2e/eas-pim.test.ts.
 */
import fc from 'fast-check';
import { syncCommand } from '../../../core/eas/commands/sync';
import { parseSyncRequest, SyncProtocolError } from '../../../core/eas/sync/sync-request';
import { loadSyncState } from '../../../core/eas/sync/sync-state';
import { child, childrenNamed, el, textAt, type EasElement } from '../../../core/eas/wbxml/tree';
import { syncFixture, type SyncFixture } from './sync-fixture';

let f: SyncFixture;
/** The `supported` argument of each change() call. */
let seen: (readonly string[] | undefined)[] = [];
beforeAll(async () => {
  f = await syncFixture();
  const change = f.source.change.bind(f.source);
  f.source.change = async (
    accountId,
    collectionId,
    serverId,
    data,
    version,
    supported?: readonly string[],
  ) => {
    seen.push(supported);
    return change(accountId, collectionId, serverId, data, version);
  };
}, 120_000);
beforeEach(async () => {
  await f.reset();
  seen = [];
  // m2 is a Contacts folder here; m1 stays an Email folder.
  f.source.folder('m2', f.alice.id, 'Contacts');
});
afterAll(async () => f?.close());

const a = (name: string, ...content: (EasElement | string | undefined | false)[]) =>
  el('AirSync', name, ...content);
const supportedOf = (...names: [string, string][]) =>
  a('Supported', ...names.map(([ns, name]) => el(ns, name)));

async function sync(id: string, key: string, extra: EasElement[] = []) {
  const body = a(
    'Sync',
    a('Collections', a('Collection', a('SyncKey', key), a('CollectionId', id), ...extra)),
  );
  const res = await syncCommand.handle(f.request('alice', 'Sync', body));
  if (!('body' in res) || !res.body) throw new Error('no body');
  const c = childrenNamed(child(res.body, 'Collections'), 'Collection')[0];
  return { status: textAt(c, 'Status') ?? textAt(res.body, 'Status'), key: textAt(c, 'SyncKey') };
}

/** SyncKey 0 (with `supported`, if given), then the download of the folder's items. */
async function prime(id: string, supported?: EasElement): Promise<string> {
  const zero = await sync(id, '0', supported ? [supported] : []);
  return (await sync(id, zero.key!)).key!;
}

const change = (serverId: string, subject: string) =>
  a('Commands', a('Change', a('ServerId', serverId), a('ApplicationData', el('Email', 'Subject', subject))));

describe('Supported in the Sync state', () => {
  it('is stored with SyncKey 0 and passed to every later Change, across advancing keys', async () => {
    const x = f.source.put('m2', 'x');
    let key = await prime(
      'm2',
      supportedOf(['Contacts', 'FirstName'], ['AirSyncBase', 'Body'], ['Contacts', 'FirstName']),
    );
    for (const subject of ['one', 'two']) {
      const r = await sync('m2', key, [change(x, subject)]);
      expect(r.status).toBe('1');
      key = r.key!;
    }
    expect(seen).toEqual([
      ['FirstName', 'Body'],
      ['FirstName', 'Body'],
    ]);
  });

  it('none sent: nothing is ghosted (undefined); an empty Supported: everything is ([])', async () => {
    const x = f.source.put('m2', 'x');
    let key = await prime('m2');
    await sync('m2', key, [change(x, 'a')]);
    key = await prime('m2', a('Supported'));
    await sync('m2', key, [change(x, 'b')]);
    expect(seen).toEqual([undefined, []]);
  });

  it('a new SyncKey 0 replaces it; Supported sent with a later key changes nothing', async () => {
    const x = f.source.put('m2', 'x');
    await prime('m2', supportedOf(['Contacts', 'Email1Address']));
    let key = await prime('m2');
    const late = await sync('m2', key, [supportedOf(['Contacts', 'JobTitle']), change(x, 'c')]);
    expect(late.status).toBe('1');
    key = late.key!;
    expect(seen).toEqual([undefined]);
    expect((await loadSyncState(f.db, f.alice.device.id, 'm2'))?.supported).toBeNull();
  });

  it('is ignored for mail folders', async () => {
    const x = f.source.put('m1', 'x');
    const key = await prime('m1', supportedOf(['Email', 'Subject']));
    await sync('m1', key, [change(x, 'c')]);
    expect(seen).toEqual([undefined]);
  });

  it('more Supported children than the limit is a Status 4', async () => {
    const many = a('Supported', ...Array.from({ length: 201 }, () => el('Contacts', 'FirstName')));
    expect((await sync('m2', '0', [many])).status).toBe('4');
  });
});

describe('parsing Supported', () => {
  const request = (supported: EasElement) =>
    a('Sync', a('Collections', a('Collection', a('SyncKey', '0'), a('CollectionId', 'a1'), supported)));
  const NAMES = ['FirstName', 'LastName', 'Body', 'Picture', 'Categories', 'Recurrence', 'Attendees', 'x'];

  it('gives the element names, each once, or a SyncProtocolError for anything else', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('Contacts', 'Calendar', 'AirSyncBase'), fc.constantFrom(...NAMES)),
          {
            maxLength: 250,
          },
        ),
        fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
        (children, text) => {
          const node = a('Supported', ...children.map(([ns, n]) => el(ns, n)));
          if (text !== undefined) node.text = text;
          let parsed: string[] | undefined;
          try {
            parsed = parseSyncRequest(request(node)).collections![0].supported;
          } catch (error) {
            expect(error).toBeInstanceOf(SyncProtocolError);
            expect(children.length > 200 || (text ?? '').trim() !== '').toBe(true);
            return;
          }
          expect(parsed).toEqual([...new Set(children.map(([, n]) => n))]);
        },
      ),
    );
  });

  it('no Supported element: undefined', () => {
    const body = a('Sync', a('Collections', a('Collection', a('SyncKey', '0'), a('CollectionId', 'a1'))));
    expect(parseSyncRequest(body).collections![0].supported).toBeUndefined();
  });
});
