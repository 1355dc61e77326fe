/**
 * Ping and GetItemEstimate against the SQL state on PGlite, in-process events and MemorySource
 * (a stand-in for the stores, see sync-fixture.ts): the parameter checks and their Status codes,
 * the remembered parameters, Status 2 at once / on an event / on the periodic re-check, Status 1
 * when the heartbeat runs out, Status 7 when a folder is gone.
 */
import { getItemEstimateCommand } from '../../../core/eas/commands/get-item-estimate';
import { pingCommand } from '../../../core/eas/commands/ping';
import { syncCommand } from '../../../core/eas/commands/sync';
import type { EasResponse } from '../../../core/eas/command';
import { childrenNamed, el, textAt, type EasElement } from '../../../core/eas/wbxml/tree';
import { syncFixture, type SyncFixture } from './sync-fixture';

let f: SyncFixture;
beforeAll(async () => {
  f = await syncFixture();
}, 120_000);
beforeEach(async () => {
  await f.reset();
  f.deps.ping = { minHeartbeatSeconds: 1, maxHeartbeatSeconds: 30, maxFolders: 3 };
});
afterAll(async () => f?.close());

const p = (name: string, ...content: (EasElement | string | number | undefined | false)[]) =>
  el('Ping', name, ...content);
const a = (name: string, ...content: (EasElement | string | number)[]) => el('AirSync', name, ...content);
const bodyOf = (r: EasResponse) => ('body' in r ? r.body : null);

const pingBody = (heartbeat: number | undefined, ...ids: string[]) =>
  p(
    'Ping',
    heartbeat !== undefined && p('HeartbeatInterval', heartbeat),
    ids.length > 0 && p('Folders', ...ids.map((id) => p('Folder', p('Id', id), p('Class', 'Email')))),
  );

async function ping(body: EasElement | null) {
  const tree = bodyOf(await pingCommand.handle(f.request('alice', 'Ping', body))) ?? undefined;
  return {
    status: textAt(tree, 'Status'),
    folders: childrenNamed(
      tree?.children.find((c) => c.name === 'Folders'),
      'Folder',
    ).map((x) => x.text),
    tree,
  };
}

async function syncTo(id: string): Promise<string> {
  const s = (key: string) =>
    syncCommand.handle(
      f.request(
        'alice',
        'Sync',
        a('Sync', a('Collections', a('Collection', a('SyncKey', key), a('CollectionId', id)))),
      ),
    );
  const zero = bodyOf(await s('0'));
  const key = textAt(zero ?? undefined, 'Collections', 'Collection', 'SyncKey')!;
  const first = bodyOf(await s(key));
  return textAt(first ?? undefined, 'Collections', 'Collection', 'SyncKey')!;
}

describe('Ping parameters', () => {
  it('answers 3 without parameters, 4 for a malformed request', async () => {
    expect((await ping(null)).status).toBe('3');
    expect((await ping(pingBody(5))).status).toBe('3');
    expect((await ping(p('Ping', p('HeartbeatInterval', 'soon')))).status).toBe('4');
    expect((await ping(p('Ping', p('Folders', p('Folder', p('Id', 'm1'), p('Class', 'Fax')))))).status).toBe(
      '4',
    );
    expect((await ping(a('Sync'))).status).toBe('4');
  });

  it('answers 5 with the bound for a heartbeat out of bounds, 6 with MaxFolders for too many folders', async () => {
    const low = await ping(pingBody(0, 'm1'));
    expect([low.status, textAt(low.tree, 'HeartbeatInterval')]).toEqual(['5', '1']);
    const high = await ping(pingBody(31, 'm1'));
    expect([high.status, textAt(high.tree, 'HeartbeatInterval')]).toEqual(['5', '30']);
    const many = await ping(pingBody(5, 'm1', 'm2', 'm3', 'm4'));
    expect([many.status, textAt(many.tree, 'MaxFolders')]).toEqual(['6', '3']);
  });

  it("answers 7 for a folder not in the device's hierarchy (another account's included)", async () => {
    expect((await ping(pingBody(1, 'm9'))).status).toBe('7');
    expect((await ping(pingBody(1, 'm1', 'm3'))).status).toBe('7');
  });
});

describe('Ping waiting', () => {
  it('answers 2 at once when a watched folder already has changes for the device', async () => {
    await syncTo('m1');
    await syncTo('m2');
    f.source.put('m2', 'new');
    const r = await ping(pingBody(5, 'm1', 'm2'));
    expect([r.status, r.folders]).toEqual(['2', ['m2']]);
  });

  it('answers 1 when the heartbeat runs out, and an empty Ping re-uses the last parameters', async () => {
    await syncTo('m1');
    expect((await ping(pingBody(1, 'm1'))).status).toBe('1');
    expect((await ping(null)).status).toBe('1');
    f.source.put('m1', 'x');
    expect(await ping(null)).toMatchObject({ status: '2', folders: ['m1'] });
    // Only the heartbeat given: the folders are the remembered ones.
    expect(await ping(pingBody(2))).toMatchObject({ status: '2', folders: ['m1'] });
  });

  it('is woken by an event for a watched folder', async () => {
    await syncTo('m1');
    await syncTo('m2');
    const waiting = ping(pingBody(20, 'm1', 'm2'));
    await new Promise((r) => setTimeout(r, 100));
    // An event for a folder not watched does not end it; one for a watched folder does.
    await f.events.publish({ accountId: f.alice.id, mailboxId: 7, kind: 'append' });
    f.source.put('m2', 'delivered');
    await f.events.publish({ accountId: f.alice.id, mailboxId: 2, kind: 'append' });
    expect(await waiting).toMatchObject({ status: '2', folders: ['m2'] });
  });

  it('sees a change without an event on the periodic re-check', async () => {
    f.deps.ping = { ...f.deps.ping, recheckSeconds: 1 } as typeof f.deps.ping;
    await syncTo('m1');
    const waiting = ping(pingBody(20, 'm1'));
    await new Promise((r) => setTimeout(r, 100));
    f.source.put('m1', 'from another node');
    expect(await waiting).toMatchObject({ status: '2', folders: ['m1'] });
  });

  it('answers 7 when a watched folder disappears while waiting', async () => {
    await syncTo('m1');
    const waiting = ping(pingBody(20, 'm1'));
    await new Promise((r) => setTimeout(r, 100));
    f.source.folders.get('m1')!.accountId = -1;
    await f.events.publish({ accountId: f.alice.id, mailboxId: 0, kind: 'mailboxes' });
    expect((await waiting).status).toBe('7');
    f.source.folders.get('m1')!.accountId = f.alice.id;
  });
});

describe('GetItemEstimate', () => {
  const g = (name: string, ...content: (EasElement | string)[]) => el('GetItemEstimate', name, ...content);
  const estimate = async (...collections: [string, string][]) => {
    const body = g(
      'GetItemEstimate',
      g(
        'Collections',
        ...collections.map(([key, id]) => g('Collection', a('SyncKey', key), g('CollectionId', id))),
      ),
    );
    const tree = bodyOf(await getItemEstimateCommand.handle(f.request('alice', 'GetItemEstimate', body)));
    return childrenNamed(tree ?? undefined, 'Response').map((r) => [
      textAt(r, 'Status'),
      textAt(r, 'Collection', 'CollectionId'),
      textAt(r, 'Collection', 'Estimate'),
    ]);
  };

  it('counts the pending changes, and answers 2 / 3 / 4 for bad collections and keys', async () => {
    const key = await syncTo('m1');
    f.source.put('m1', 'a');
    f.source.put('m1', 'b');
    expect(await estimate([key, 'm1'])).toEqual([['1', 'm1', '2']]);
    expect(await estimate(['0', 'm2'], ['3', 'm2'], ['99', 'm1'], [key, 'm9'])).toEqual([
      ['3', 'm2', undefined],
      ['3', 'm2', undefined],
      ['4', 'm1', undefined],
      ['2', 'm9', undefined],
    ]);
    const bad = bodyOf(
      await getItemEstimateCommand.handle(f.request('alice', 'GetItemEstimate', g('GetItemEstimate'))),
    );
    expect(textAt(bad ?? undefined, 'Status')).toBe('2');
  });
});
