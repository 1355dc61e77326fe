/**
 * JMAP Sieve (RFC 9661) over real HTTP: the capability in the session, script content uploaded
 * as a blob, SieveScript/set create / update / destroy with onSuccessActivateScript and
 * onSuccessDeactivateScript, /get, /query, /validate, download of a script's blob, invalidSieve
 * for a script that does not compile, scriptIsActive, alreadyExists, and account isolation.
 */
import { WebHarness } from './web-harness';

const SIEVE = 'urn:ietf:params:jmap:sieve';
const USING = ['urn:ietf:params:jmap:core', SIEVE];
const ALICE = 'alice@jsieve.test';
const BOB = 'bob@jsieve.test';
const PW = 'jmap sieve password 1';
let h: WebHarness;
let aliceId = '';
let bobId = '';

beforeAll(async () => {
  // Configured limits, so the session shows the node's values rather than the defaults.
  h = await WebHarness.start({ 'sieve.maxScripts': 7, 'sieve.maxRedirects': 3 });
  await h.addUser(ALICE, PW);
  await h.addUser(BOB, PW);
}, 120_000);
afterAll(async () => h?.stop());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
async function api(user: string, calls: unknown[]): Promise<[string, Json, string][]> {
  const res = await fetch(`${h.base}/jmap/api`, {
    method: 'POST',
    headers: { ...h.basic(user, PW), 'content-type': 'application/json' },
    body: JSON.stringify({ using: USING, methodCalls: calls }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as Json).methodResponses;
}
async function one(user: string, name: string, args: object): Promise<Json> {
  const [[n, result]] = await api(user, [[name, args, '0']]);
  if (n === 'error') throw new Error(`${name}: ${JSON.stringify(result)}`);
  return result;
}
async function upload(user: string, accountId: string, text: string): Promise<string> {
  const res = await fetch(`${h.base}/jmap/upload/${accountId}`, {
    method: 'POST',
    headers: { ...h.basic(user, PW), 'content-type': 'application/sieve' },
    body: text,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as Json).blobId;
}

const GOOD = 'require "fileinto";\nif header :contains "Subject" "invoice" { fileinto "Invoices"; }\n';
const BETTER = 'require ["fileinto"];\nif header :contains "Subject" "bill" { fileinto "Bills"; stop; }\n';

test('the session names the capability with its limits and extensions', async () => {
  const res = await fetch(`${h.base}/.well-known/jmap`, { headers: h.basic(ALICE, PW) });
  const session = (await res.json()) as Json;
  expect(session.capabilities[SIEVE]).toEqual({});
  aliceId = session.primaryAccounts[SIEVE];
  const caps = session.accounts[aliceId].accountCapabilities[SIEVE];
  expect(caps.maxSizeScript).toBeGreaterThan(0);
  expect(caps.maxNumberScripts).toBe(7);
  expect(caps.maxNumberRedirects).toBe(3);
  expect(caps.sieveExtensions).toEqual(expect.arrayContaining(['fileinto']));
  expect(caps.implementation).toBe('Nimbus Mail');
  const b = await fetch(`${h.base}/.well-known/jmap`, { headers: h.basic(BOB, PW) });
  bobId = ((await b.json()) as Json).primaryAccounts[SIEVE];
});

test('create from an uploaded blob and activate in one call; get, query and download', async () => {
  const blobId = await upload(ALICE, aliceId, GOOD);
  const set = await one(ALICE, 'SieveScript/set', {
    accountId: aliceId,
    create: { a: { name: 'main', blobId } },
    onSuccessActivateScript: '#a',
  });
  expect(set.notCreated).toEqual({});
  const created = set.created.a;
  expect(created).toMatchObject({ name: 'main', isActive: true });
  expect(created.blobId).toMatch(/^bS/);

  const got = await one(ALICE, 'SieveScript/get', { accountId: aliceId, ids: null });
  expect(got.list).toEqual([{ id: created.id, name: 'main', blobId: created.blobId, isActive: true }]);
  expect(got.state).toBe(set.newState);

  const download = await fetch(
    `${h.base}/jmap/download/${aliceId}/${created.blobId}/main.siv?accept=application/sieve`,
    {
      headers: h.basic(ALICE, PW),
    },
  );
  expect(download.status).toBe(200);
  expect(await download.text()).toBe(GOOD);
  // Bob cannot read Alice's script blob, nor see her scripts.
  const stolen = await fetch(`${h.base}/jmap/download/${bobId}/${created.blobId}/x`, {
    headers: h.basic(BOB, PW),
  });
  expect(stolen.status).toBe(404);
  expect((await one(BOB, 'SieveScript/get', { accountId: bobId, ids: [created.id] })).notFound).toEqual([
    created.id,
  ]);
  const [[err]] = await api(BOB, [['SieveScript/get', { accountId: aliceId }, '0']]);
  expect(err).toBe('error');

  const query = await one(ALICE, 'SieveScript/query', {
    accountId: aliceId,
    filter: { isActive: true },
    sort: [{ property: 'name' }],
  });
  expect(query.ids).toEqual([created.id]);
  expect(
    (await one(ALICE, 'SieveScript/query', { accountId: aliceId, filter: { name: 'nothing' } })).ids,
  ).toEqual([]);
});

test('validate, invalidSieve with the position, alreadyExists, update, scriptIsActive, deactivate and destroy', async () => {
  const badBlob = await upload(ALICE, aliceId, 'require "fileinto";\nfileinto "x"\n');
  const validated = await one(ALICE, 'SieveScript/validate', { accountId: aliceId, blobId: badBlob });
  expect(validated.error.type).toBe('invalidSieve');
  expect(validated.error.description).toMatch(/^line \d+, column \d+: /);
  const goodBlob = await upload(ALICE, aliceId, BETTER);
  expect(
    (await one(ALICE, 'SieveScript/validate', { accountId: aliceId, blobId: goodBlob })).error,
  ).toBeNull();

  const refused = await one(ALICE, 'SieveScript/set', {
    accountId: aliceId,
    create: {
      bad: { name: 'broken', blobId: badBlob },
      dup: { name: 'main', blobId: goodBlob },
      ro: { blobId: goodBlob, isActive: true },
    },
  });
  expect(refused.notCreated.bad.type).toBe('invalidSieve');
  expect(refused.notCreated.dup.type).toBe('alreadyExists');
  expect(refused.notCreated.ro).toMatchObject({ type: 'invalidProperties', properties: ['isActive'] });

  const [main] = (await one(ALICE, 'SieveScript/get', { accountId: aliceId })).list;
  const updated = await one(ALICE, 'SieveScript/set', {
    accountId: aliceId,
    update: { [main.id]: { name: 'bills', blobId: goodBlob } },
  });
  expect(updated.notUpdated).toEqual({});
  expect(updated.updated[main.id].blobId).not.toBe(main.blobId);
  const [after] = (await one(ALICE, 'SieveScript/get', { accountId: aliceId })).list;
  expect(after).toMatchObject({ id: main.id, name: 'bills', isActive: true });
  const content = await fetch(`${h.base}/jmap/download/${aliceId}/${after.blobId}/s`, {
    headers: h.basic(ALICE, PW),
  });
  expect(await content.text()).toBe(BETTER);
  // The old content's blob id is gone with it.
  expect(
    (await fetch(`${h.base}/jmap/download/${aliceId}/${main.blobId}/s`, { headers: h.basic(ALICE, PW) }))
      .status,
  ).toBe(404);

  const active = await one(ALICE, 'SieveScript/set', { accountId: aliceId, destroy: [main.id] });
  expect(active.notDestroyed[main.id].type).toBe('scriptIsActive');

  // A second script from the first one's blob, activated: the first is reported deactivated.
  const second = await one(ALICE, 'SieveScript/set', {
    accountId: aliceId,
    create: { c: { blobId: after.blobId } },
    onSuccessActivateScript: '#c',
  });
  expect(second.created.c.isActive).toBe(true);
  expect(second.created.c.name).toMatch(/^script-/);
  expect(second.updated[main.id]).toEqual({ isActive: false });

  const off = await one(ALICE, 'SieveScript/set', {
    accountId: aliceId,
    onSuccessDeactivateScript: true,
    destroy: [main.id],
  });
  expect(off.destroyed).toEqual([main.id]);
  expect(off.updated[second.created.c.id]).toEqual({ isActive: false });
  expect(
    (await one(ALICE, 'SieveScript/query', { accountId: aliceId, filter: { isActive: true } })).ids,
  ).toEqual([]);

  const stale = await api(ALICE, [
    ['SieveScript/set', { accountId: aliceId, ifInState: 'old', destroy: [] }, '0'],
  ]);
  expect(stale[0][1].type).toBe('stateMismatch');
  const unknownSort = await api(ALICE, [
    ['SieveScript/query', { accountId: aliceId, sort: [{ property: 'size' }] }, '0'],
  ]);
  expect(unknownSort[0][1].type).toBe('unsupportedSort');
});

test('malformed arguments are SetErrors or method errors, never a server failure', async () => {
  const [existing] = (await one(ALICE, 'SieveScript/get', { accountId: aliceId })).list;
  const odd = await one(ALICE, 'SieveScript/set', {
    accountId: aliceId,
    create: { x: null, y: { blobId: 42 }, z: { name: 'a\u0000b', blobId: 'bu1' } },
    update: { Szzzzzzz: 5, nonsense: { name: 'n' }, [existing.id]: null },
    destroy: ['x', 7],
  });
  expect(odd.notCreated.x.type).toBe('invalidProperties');
  expect(odd.notCreated.y.type).toBe('invalidProperties');
  expect(odd.notCreated.z).toMatchObject({ type: 'invalidProperties', properties: ['name'] });
  expect(odd.notUpdated.Szzzzzzz.type).toBe('notFound');
  expect(odd.notUpdated.nonsense.type).toBe('notFound');
  expect(odd.notUpdated[existing.id].type).toBe('invalidProperties');
  expect(Object.keys(odd.notDestroyed).sort()).toEqual(['7', 'x']);
  const missing = await one(ALICE, 'SieveScript/set', {
    accountId: aliceId,
    create: { m: { blobId: 'bu999999' } },
  });
  expect(missing.notCreated.m.type).toBe('blobNotFound');
  const [[kind, err]] = await api(ALICE, [
    ['SieveScript/validate', { accountId: aliceId, blobId: 'nope' }, '0'],
  ]);
  expect([kind, err.type]).toEqual(['error', 'invalidArguments']);
  const big = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`c${i}`, { blobId: 'x' }]));
  const [[tooMany, e2]] = await api(ALICE, [['SieveScript/set', { accountId: aliceId, create: big }, '0']]);
  expect([tooMany, e2.type]).toEqual(['error', 'requestTooLarge']);
});

test('the methods need the capability in "using"', async () => {
  const res = await fetch(`${h.base}/jmap/api`, {
    method: 'POST',
    headers: { ...h.basic(ALICE, PW), 'content-type': 'application/json' },
    body: JSON.stringify({
      using: ['urn:ietf:params:jmap:core'],
      methodCalls: [['SieveScript/get', { accountId: aliceId }, '0']],
    }),
  });
  const body = (await res.json()) as Json;
  expect(body.methodResponses[0][1].type).toBe('unknownMethod');
});
