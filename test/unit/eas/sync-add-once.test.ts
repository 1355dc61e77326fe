/**
 * Client Adds applied once (issue #15): the item sources write on their own connections, so a
 * node can die after an Add is stored and before the Sync state is saved. The crash window is
 * simulated with a database whose transaction (the state's compare-and-set) fails once; the
 * device's retry with the same SyncKey and ClientId must find one item and get the same ServerId.
 */
import { syncCommand } from '../../../core/eas/commands/sync';
import type { EasResponse } from '../../../core/eas/command';
import type { SqlDatabase, SqlExecutor } from '../../../core/ports/sql';
import { child, childrenNamed, el, textAt, type EasElement } from '../../../core/eas/wbxml/tree';
import { syncFixture, type SyncFixture } from './sync-fixture';

let f: SyncFixture;
beforeAll(async () => {
  f = await syncFixture();
}, 120_000);
beforeEach(async () => {
  await f.reset();
  await f.db.query('DELETE FROM eas_sync_client_adds');
  crashes = 0;
});
afterAll(async () => f?.close());

/** How many state commits still fail (a node killed between the Add and the commit). */
let crashes = 0;

function crashingDb(db: SqlDatabase): SqlDatabase {
  return {
    kind: db.kind,
    close: () => db.close(),
    query: (sql, params) => db.query(sql, params),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
      if (crashes > 0) {
        crashes--;
        return Promise.reject(new Error('node killed before the state commit'));
      }
      return db.transaction(fn);
    },
  };
}

const a = (name: string, ...content: (EasElement | string | undefined | false)[]) =>
  el('AirSync', name, ...content);
const add = (clientId: string, subject: string) =>
  a('Add', a('ClientId', clientId), a('ApplicationData', el('Email', 'Subject', subject)));

async function sync(key: string, commands: EasElement[] = [], who: 'alice' | 'bob' = 'alice', id = 'm1') {
  const request = f.request(who, 'Sync', null);
  request.deps = { ...request.deps, db: crashingDb(f.db) };
  request.body = a(
    'Sync',
    a(
      'Collections',
      a(
        'Collection',
        a('SyncKey', key),
        a('CollectionId', id),
        commands.length > 0 && a('Commands', ...commands),
      ),
    ),
  );
  const res: EasResponse = await syncCommand.handle(request);
  if (!('body' in res) || !res.body) throw new Error('no body');
  const c = childrenNamed(child(res.body, 'Collections'), 'Collection')[0];
  return {
    key: textAt(c, 'SyncKey'),
    status: textAt(c, 'Status'),
    adds: childrenNamed(child(c, 'Commands'), 'Add').map((x) => textAt(x, 'ServerId')),
    responses: childrenNamed(child(c, 'Responses'), 'Add').map((x) => ({
      clientId: textAt(x, 'ClientId'),
      serverId: textAt(x, 'ServerId'),
      status: textAt(x, 'Status'),
    })),
  };
}

/** SyncKey 0 and the first (empty) download: the key the device then holds. */
async function prime(who: 'alice' | 'bob' = 'alice', id = 'm1'): Promise<string> {
  await sync('0', [], who, id);
  return (await sync('1', [], who, id)).key!;
}

const items = (id = 'm1') => [...f.source.folders.get(id)!.items.keys()];
const recorded = async () =>
  (
    await f.db.query<{ sync_key: number }>('SELECT sync_key FROM eas_sync_client_adds ORDER BY sync_key')
  ).rows.map((r) => Number(r.sync_key));

describe('a node killed between the Add and the state commit', () => {
  it('the retry with the same SyncKey and ClientId yields one item and the same ServerId', async () => {
    const key = await prime();
    crashes = 1;
    const lost = await sync(key, [add('c-7', 'draft')]);
    // The collection failed (Status 5, the key unchanged), but the source had stored the item.
    expect([lost.status, lost.responses]).toEqual(['5', []]);
    expect(items()).toHaveLength(1);
    const [stored] = items();

    const retry = await sync(key, [add('c-7', 'draft')]);
    expect(retry.status).toBe('1');
    expect(retry.responses).toEqual([{ clientId: 'c-7', serverId: stored, status: '1' }]);
    expect(items()).toEqual([stored]);
    expect(f.source.calls.filter((c) => c === 'add m1')).toHaveLength(1);
    // The device holds the item already: it is not sent back as a server Add, now or later.
    expect(retry.adds).toEqual([]);
    expect((await sync(retry.key!)).adds).toEqual([]);
  });

  it('another ClientId in the retry is a new item; a failing source Add is not recorded', async () => {
    const key = await prime();
    crashes = 1;
    await sync(key, [add('c-1', 'one'), a('Add', a('ClientId', 'bad'), a('ApplicationData'))]);
    expect(items()).toHaveLength(1);
    const retry = await sync(key, [
      add('c-1', 'one'),
      add('c-2', 'two'),
      a('Add', a('ClientId', 'bad'), a('ApplicationData')),
    ]);
    expect(retry.responses.map((r) => [r.clientId, r.status])).toEqual([
      ['c-1', '1'],
      ['c-2', '1'],
      ['bad', '6'],
    ]);
    expect(items()).toHaveLength(2);
    expect(new Set(retry.responses.slice(0, 2).map((r) => r.serverId))).toEqual(new Set(items()));
    // c-1 once; the refused Add is tried again (nothing was stored for it), c-2 once.
    expect(f.source.calls.filter((c) => c === 'add m1')).toHaveLength(4);
  });

  it('the same ClientId under a later key is a new Add (ClientIds are matched per request key)', async () => {
    const key = await prime();
    const first = await sync(key, [add('c-1', 'one')]);
    const second = await sync(first.key!, [add('c-1', 'again')]);
    expect(second.responses[0].serverId).not.toBe(first.responses[0].serverId);
    expect(items()).toHaveLength(2);
  });

  it('is per device: another account with the same key and ClientId adds its own item', async () => {
    const aliceKey = await prime('alice', 'm1');
    const bobKey = await prime('bob', 'm9');
    expect(bobKey).toBe(aliceKey);
    crashes = 1;
    await sync(aliceKey, [add('c-1', 'alice')]);
    const bob = await sync(bobKey, [add('c-1', 'bob')], 'bob', 'm9');
    expect(bob.responses[0].serverId).toMatch(/^m9:/);
    expect(items('m9')).toEqual([bob.responses[0].serverId]);
  });
});

describe('the recorded Adds are pruned', () => {
  it('keeps the previous key only as the state advances, and drops all on SyncKey 0', async () => {
    let key = await prime();
    const start = Number(key);
    for (let i = 0; i < 3; i++) key = (await sync(key, [add(`c-${i}`, `s${i}`)])).key!;
    // Adds under start, start+1, start+2; the state is at start+3 with previous key start+2.
    expect(await recorded()).toEqual([start + 2]);
    await sync('0');
    expect(await recorded()).toEqual([]);
  });
});
