/**
 * The Sync command against the SQL state on PGlite and MemorySource (a stand-in for the stores,
 * see sync-fixture.ts): SyncKey handshake, windowing, server Adds/Changes/Deletes/SoftDeletes,
 * client commands and conflicts, the repeated request after a lost response, the cached
 * request, tenant isolation and the hanging sync.
 */
import { syncCommand } from '../../../core/eas/commands/sync';
import type { EasResponse } from '../../../core/eas/command';
import { decodeWbxml } from '../../../core/eas/wbxml/decoder';
import { encodeWbxml } from '../../../core/eas/wbxml/encoder';
import { child, childrenNamed, el, textAt, type EasElement } from '../../../core/eas/wbxml/tree';
import { syncFixture, type SyncFixture } from './sync-fixture';

let f: SyncFixture;
beforeAll(async () => {
  f = await syncFixture();
}, 120_000);
beforeEach(async () => f.reset());
afterAll(async () => f?.close());

const a = (name: string, ...content: (EasElement | string | number | undefined | false)[]) =>
  el('AirSync', name, ...content);

interface CollectionSpec {
  id: string;
  key: string;
  window?: number;
  getChanges?: string;
  options?: EasElement[];
  commands?: EasElement[];
}

const syncBody = (...collections: CollectionSpec[]) =>
  a(
    'Sync',
    a(
      'Collections',
      ...collections.map((c) =>
        a(
          'Collection',
          a('SyncKey', c.key),
          a('CollectionId', c.id),
          c.getChanges !== undefined && a('GetChanges', c.getChanges),
          c.window !== undefined && a('WindowSize', c.window),
          ...(c.options ?? []),
          c.commands && a('Commands', ...c.commands),
        ),
      ),
    ),
  );

function bodyOf(res: EasResponse): EasElement | null {
  if (!('body' in res)) throw new Error('not a body');
  // Through the codec, as a device would read it.
  return res.body ? decodeWbxml(encodeWbxml(res.body)) : null;
}

async function sync(body: EasElement | null, who: 'alice' | 'bob' = 'alice', version?: '14.1' | '16.1') {
  const tree = bodyOf(await syncCommand.handle(f.request(who, 'Sync', body, version)));
  const collections = childrenNamed(child(tree ?? undefined, 'Collections'), 'Collection').map((c) => {
    const commands = child(c, 'Commands');
    const ids = (kind: string) => childrenNamed(commands, kind).map((x) => textAt(x, 'ServerId'));
    return {
      key: textAt(c, 'SyncKey'),
      id: textAt(c, 'CollectionId'),
      status: textAt(c, 'Status'),
      adds: ids('Add'),
      changes: ids('Change'),
      deletes: ids('Delete'),
      softDeletes: ids('SoftDelete'),
      subjects: childrenNamed(commands, 'Add').map((x) => textAt(x, 'ApplicationData', 'Subject')),
      more: child(c, 'MoreAvailable') !== undefined,
      responses: child(c, 'Responses')?.children ?? [],
    };
  });
  return { tree, status: textAt(tree ?? undefined, 'Status'), collections, c: collections[0] };
}

/** Key 0, then the first full download: the key the device holds afterwards. */
async function prime(id = 'm1'): Promise<string> {
  const zero = await sync(syncBody({ id, key: '0' }));
  let key = zero.c.key!;
  for (;;) {
    const r = await sync(syncBody({ id, key }));
    key = r.c.key!;
    if (!r.c.more) return key;
  }
}

describe('SyncKey handshake and the first download', () => {
  it('answers SyncKey 0 with a new key and no items, then sends the items in windows', async () => {
    const ids = ['one', 'two', 'three', 'four', 'five'].map((s) => f.source.put('m1', s));
    const zero = await sync(syncBody({ id: 'm1', key: '0' }));
    expect(zero.c).toMatchObject({ key: '1', id: 'm1', status: '1', adds: [], more: false });

    const first = await sync(syncBody({ id: 'm1', key: '1', window: 2 }));
    expect(first.c).toMatchObject({ key: '2', status: '1', more: true });
    // Newest first, in the source's order.
    expect(first.c.adds).toEqual([ids[4], ids[3]]);
    expect(first.c.subjects).toEqual(['five', 'four']);
    const second = await sync(syncBody({ id: 'm1', key: '2', window: 2 }));
    expect([second.c.key, second.c.adds, second.c.more]).toEqual(['3', [ids[2], ids[1]], true]);
    const third = await sync(syncBody({ id: 'm1', key: '3', window: 2 }));
    expect([third.c.key, third.c.adds, third.c.more]).toEqual(['4', [ids[0]], false]);

    // Nothing new: the same key, no Commands.
    const idle = await sync(syncBody({ id: 'm1', key: '4' }));
    expect([
      idle.c.key,
      idle.c.status,
      idle.c.adds,
      idle.tree?.children[0].children[0].children.length,
    ]).toEqual(['4', '1', [], 3]);
  });

  it('caps WindowSize at 512 and defaults it to 100', async () => {
    for (let i = 0; i < 130; i++) f.source.put('m1', `m${i}`);
    await sync(syncBody({ id: 'm1', key: '0' }));
    const r = await sync(syncBody({ id: 'm1', key: '1' }));
    expect([r.c.adds.length, r.c.more]).toEqual([100, true]);
    const big = await sync(syncBody({ id: 'm1', key: '2', window: 100000 }));
    expect([big.c.adds.length, big.c.more]).toEqual([30, false]);
  });

  it('shares a request-wide WindowSize across collections', async () => {
    for (let i = 0; i < 3; i++) f.source.put('m1', `a${i}`);
    for (let i = 0; i < 3; i++) f.source.put('m2', `b${i}`);
    await sync(syncBody({ id: 'm1', key: '0' }, { id: 'm2', key: '0' }));
    const body = syncBody({ id: 'm1', key: '1' }, { id: 'm2', key: '1' });
    body.children.push(a('WindowSize', 4));
    const r = await sync(body);
    expect(r.collections.map((c) => [c.adds.length, c.more])).toEqual([
      [3, false],
      [1, true],
    ]);

    // Request-wide only: it replaces the default of 100 per collection.
    for (let i = 0; i < 150; i++) f.source.put('m2', `c${i}`);
    const wide = syncBody({ id: 'm2', key: r.collections[1].key! });
    wide.children.push(a('WindowSize', 120));
    const w = await sync(wide);
    expect([w.c.adds.length, w.c.more]).toEqual([120, true]);
  });
});

describe('server changes', () => {
  it('sends a changed item as Change, a removed one as Delete', async () => {
    const x = f.source.put('m1', 'x');
    const y = f.source.put('m1', 'y');
    const key = await prime();
    f.source.touch(x, 'x2');
    f.source.drop(y);
    const z = f.source.put('m1', 'z');
    const r = await sync(syncBody({ id: 'm1', key }));
    expect(r.c).toMatchObject({ adds: [z], changes: [x], deletes: [y], softDeletes: [] });
    expect(Number(r.c.key)).toBe(Number(key) + 1);
  });

  it('SoftDeletes items that leave the FilterType window, and keeps the options for later requests', async () => {
    const old = f.source.put('m1', 'old', 10);
    const fresh = f.source.put('m1', 'fresh', 0);
    const opts = (filter: number) => [a('Options', a('FilterType', filter))];
    await sync(syncBody({ id: 'm1', key: '0', options: opts(0) }));
    const all = await sync(syncBody({ id: 'm1', key: '1' }));
    expect(all.c.adds.sort()).toEqual([old, fresh].sort());
    // Three days: the ten-day-old item leaves the device but stays on the server.
    const narrow = await sync(syncBody({ id: 'm1', key: '2', options: opts(2) }));
    expect([narrow.c.softDeletes, narrow.c.deletes]).toEqual([[old], []]);
    f.source.touch(old);
    const later = await sync(syncBody({ id: 'm1', key: '3' }));
    expect(later.c.changes).toEqual([]);
    expect(f.source.calls).toContain('versions m1 2');
  });

  it('GetChanges 0 applies the client commands but sends no server changes', async () => {
    const key = await prime();
    f.source.put('m1', 'new');
    const r = await sync(syncBody({ id: 'm1', key, getChanges: '0' }));
    expect([r.c.adds, r.c.key]).toEqual([[], key]);
  });

  it('passes the body preferences and MIME options to the source', async () => {
    f.source.put('m1', 'x');
    const options = a(
      'Options',
      a('MIMESupport', 2),
      a('MIMETruncation', 1),
      el(
        'AirSyncBase',
        'BodyPreference',
        el('AirSyncBase', 'Type', 2),
        el('AirSyncBase', 'TruncationSize', 5000),
      ),
    );
    await sync(syncBody({ id: 'm1', key: '0', options: [options] }));
    await sync(syncBody({ id: 'm1', key: '1' }));
    expect(f.source.lastOptions).toEqual({
      version: '16.1',
      bodyPreferences: [{ type: 2, truncationSize: 5000 }],
      mimeSupport: 2,
      mimeTruncation: 4096,
    });
  });
});

describe('SyncKey checks and isolation', () => {
  it('answers a stale key with Status 3 (and SyncKey 0)', async () => {
    f.source.put('m1', 'x');
    const key = await prime();
    f.source.put('m1', 'y');
    await sync(syncBody({ id: 'm1', key }));
    const stale = await sync(syncBody({ id: 'm1', key: String(Number(key) - 1) }));
    expect([stale.c.status, stale.c.key, stale.c.adds]).toEqual(['3', '0', []]);
    expect((await sync(syncBody({ id: 'm1', key: '77' }))).c.status).toBe('3');
    expect((await sync(syncBody({ id: 'm2', key: '5' }))).c.status).toBe('3');
  });

  it("never shows another account's collection: Status 12, no items", async () => {
    f.source.put('m9', 'bob secret');
    const r = await sync(syncBody({ id: 'm9', key: '0' }));
    expect([r.c.status, r.c.adds]).toEqual(['12', []]);
    // Even with a key that exists for bob's device.
    await sync(syncBody({ id: 'm9', key: '0' }), 'bob');
    const again = await sync(syncBody({ id: 'm9', key: '1' }));
    expect(again.c.status).toBe('12');
    expect(JSON.stringify(again.tree)).not.toContain('bob secret');
    // A folder the device never got from FolderSync, and one no source serves.
    expect((await sync(syncBody({ id: 'm3', key: '0' }))).c.status).toBe('12');
    expect((await sync(syncBody({ id: 'x1', key: '0' }))).c.status).toBe('12');
  });

  it('refuses malformed requests with Status 4', async () => {
    expect((await sync(a('Sync', a('Collections', a('Collection', a('CollectionId', 'm1')))))).status).toBe(
      '4',
    );
    expect((await sync(a('Ping'))).status).toBe('4');
    expect((await sync(syncBody({ id: 'm1', key: 'abc' }))).status).toBe('4');
    const withCommands = await sync(
      syncBody({ id: 'm1', key: '0', commands: [a('Delete', a('ServerId', 'm1:1'))] }),
    );
    expect(withCommands.c.status).toBe('4');
  });
});

describe('a lost response', () => {
  it('repeats the same answer for the previous key, without applying client commands twice', async () => {
    for (const s of ['a', 'b', 'c']) f.source.put('m1', s);
    await sync(syncBody({ id: 'm1', key: '0' }));
    const first = await sync(syncBody({ id: 'm1', key: '1', window: 2 }));
    const again = await sync(syncBody({ id: 'm1', key: '1', window: 2 }));
    expect(again.c).toEqual(first.c);

    const add = a('Add', a('ClientId', 'c-1'), a('ApplicationData', el('Email', 'Subject', 'draft')));
    const withAdd = await sync(syncBody({ id: 'm1', key: first.c.key!, commands: [add] }));
    const repeated = await sync(syncBody({ id: 'm1', key: first.c.key!, commands: [add] }));
    expect(repeated.c).toEqual(withAdd.c);
    expect(f.source.calls.filter((c) => c === 'add m1')).toHaveLength(1);
    // The device carries on from the key it got.
    const next = await sync(syncBody({ id: 'm1', key: withAdd.c.key! }));
    expect(next.c.status).toBe('1');
  });
});

describe('client commands', () => {
  it('adds an item (ClientId → ServerId) and does not send it back', async () => {
    const key = await prime();
    const r = await sync(
      syncBody({
        id: 'm1',
        key,
        commands: [a('Add', a('ClientId', '42'), a('ApplicationData', el('Email', 'Subject', 'draft')))],
      }),
    );
    const response = r.c.responses[0];
    expect([response.name, textAt(response, 'ClientId'), textAt(response, 'Status')]).toEqual([
      'Add',
      '42',
      '1',
    ]);
    expect(textAt(response, 'ServerId')).toMatch(/^m1:[0-9]+$/);
    expect(r.c.adds).toEqual([]);
    expect((await sync(syncBody({ id: 'm1', key: r.c.key! }))).c.adds).toEqual([]);
  });

  it('refuses Email Adds before 16.0 with Status 6', async () => {
    const key = await prime();
    const add = a('Add', a('ClientId', '1'), a('ApplicationData', el('Email', 'Subject', 'x')));
    const r = await sync(syncBody({ id: 'm1', key, commands: [add] }), 'alice', '14.1');
    expect(textAt(r.c.responses[0], 'Status')).toBe('6');
    expect(f.source.calls).not.toContain('add m1');
  });

  it('applies a Change without echoing it; a server change first is a conflict the server wins', async () => {
    const x = f.source.put('m1', 'x');
    let key = await prime();
    const change = (subject: string) =>
      a('Change', a('ServerId', x), a('ApplicationData', el('Email', 'Subject', subject)));
    const r = await sync(syncBody({ id: 'm1', key, commands: [change('mine')] }));
    expect([r.c.responses, r.c.changes]).toEqual([[], []]);
    key = r.c.key!;

    f.source.touch(x, 'server');
    const conflict = await sync(syncBody({ id: 'm1', key, commands: [change('client')] }));
    expect(textAt(conflict.c.responses[0], 'Status')).toBe('7');
    expect(conflict.c.changes).toEqual([x]);
    expect(f.source.calls.filter((c) => c === `change ${x}`)).toHaveLength(1);

    // Conflict 0: the client's change replaces the server's.
    f.source.touch(x, 'server again');
    const clientWins = await sync(
      syncBody({
        id: 'm1',
        key: conflict.c.key!,
        options: [a('Options', a('Conflict', 0))],
        commands: [change('client')],
      }),
    );
    expect([clientWins.c.responses, clientWins.c.changes]).toEqual([[], []]);
    expect(f.source.calls.filter((c) => c === `change ${x}`)).toHaveLength(2);
  });

  it('deletes (as moves by default), answers Status 8 for unknown or foreign items, and fetches', async () => {
    const x = f.source.put('m1', 'x');
    const y = f.source.put('m1', 'y');
    const secret = f.source.put('m9', 'secret');
    const key = await prime();
    const r = await sync(
      syncBody({
        id: 'm1',
        key,
        commands: [
          a('Delete', a('ServerId', x)),
          a('Delete', a('ServerId', 'm1:999')),
          a('Delete', a('ServerId', secret)),
          a('Fetch', a('ServerId', y)),
          a('Fetch', a('ServerId', secret)),
        ],
      }),
    );
    expect(f.source.calls).toContain(`remove ${x} true`);
    expect(f.source.calls).not.toContain(`remove ${secret} true`);
    const summary = r.c.responses.map((e) => [e.name, textAt(e, 'ServerId'), textAt(e, 'Status')]);
    expect(summary).toEqual([
      ['Delete', 'm1:999', '8'],
      ['Delete', secret, '8'],
      ['Fetch', y, '1'],
      ['Fetch', secret, '8'],
    ]);
    expect(textAt(r.c.responses[2], 'ApplicationData', 'Subject')).toBe('y');
    expect(JSON.stringify(r.tree)).not.toContain('secret"');
    // The deleted item is not sent back as a Delete.
    expect(r.c.deletes).toEqual([]);
  });
});

describe('empty and partial requests', () => {
  it('re-uses the last collections for an empty request, Status 13 without one', async () => {
    expect((await sync(null)).status).toBe('13');
    f.source.put('m1', 'x');
    const key = await prime();
    const y = f.source.put('m1', 'y');
    const r = await sync(null);
    expect([r.c.id, r.c.adds, Number(r.c.key)]).toEqual(['m1', [y], Number(key) + 1]);
    expect((await sync(a('Sync'))).c.status).toBe('1');
  });

  it('completes a Partial request from the cached collections', async () => {
    await sync(syncBody({ id: 'm1', key: '0' }, { id: 'm2', key: '0' }));
    const z = f.source.put('m2', 'z');
    const partial = syncBody({ id: 'm1', key: '1' });
    partial.children.unshift(a('Partial'));
    const r = await sync(partial);
    expect(r.collections.map((c) => [c.id, c.adds])).toEqual([
      ['m1', []],
      ['m2', [z]],
    ]);
  });
});

describe('hanging sync', () => {
  it('refuses a HeartbeatInterval out of bounds with Status 14 and the Limit', async () => {
    const body = syncBody({ id: 'm1', key: '0' });
    body.children.push(a('HeartbeatInterval', 3600));
    const r = await sync(body);
    expect([r.status, textAt(r.tree ?? undefined, 'Limit')]).toEqual(['14', '30']);
  });

  it('waits for a change and answers with it, or with an empty body when none comes', async () => {
    const key = await prime();
    const body = syncBody({ id: 'm1', key });
    body.children.push(a('HeartbeatInterval', 1));
    expect(bodyOf(await syncCommand.handle(f.request('alice', 'Sync', body)))).toBeNull();

    const hb = syncBody({ id: 'm1', key });
    hb.children.push(a('HeartbeatInterval', 20));
    const pending = sync(hb);
    await new Promise((r) => setTimeout(r, 100));
    const n = f.source.put('m1', 'pushed');
    await f.events.publish({ accountId: f.alice.id, mailboxId: 1, kind: 'append' });
    const r = await pending;
    expect(r.c.adds).toEqual([n]);
  });
});
