/**
 * The webmail's mailing-list API over real HTTP, for what the browser suite does not try: bad
 * input is a 400 with a reason, other people's lists and posts are 404/403, a session is needed,
 * and a held post is decided once (409 for the second decision, whichever way it comes).
 */
import { eventually } from '../helpers/in-process-node';
import { WebHarness } from './web-harness';
import { call, login, type Session } from './webmail-session';

const LIST = 'ops@listapi.test';
const PATH = `/webmail/api/lists/${encodeURIComponent(LIST)}`;
const PW = 'lists api password';
let h: WebHarness;
let mod: Session;
let member: Session;
let outsider: Session;
let heldId = '';

beforeAll(async () => {
  h = await WebHarness.start();
  for (const u of ['mod', 'member', 'outsider']) await h.addUser(`${u}@listapi.test`, PW);
  await h.node.admin({ op: 'list.add', address: LIST, moderators: ['mod@listapi.test'] });
  await h.node.admin({ op: 'list.subscribe', address: LIST, member: 'member@listapi.test' });
  [mod, member, outsider] = await Promise.all(
    ['mod', 'member', 'outsider'].map((u) => login(h, `${u}@listapi.test`, PW)),
  );
  await h.sendSmtp('someone@remote.test', LIST, 'Held once');
  const held = await eventually(async () => {
    const answer = await call(h, mod, 'GET', `${PATH}/held`);
    return answer.body?.held?.length === 1 ? answer.body.held : null;
  });
  heldId = held[0].id;
}, 120_000);
afterAll(async () => h?.stop());

test('each user sees only the lists they are on or run', async () => {
  expect((await call(h, member, 'GET', '/webmail/api/lists')).body.lists).toEqual([
    expect.objectContaining({ address: LIST, member: true, deliveryMode: 'normal', roles: [] }),
  ]);
  const forMod = (await call(h, mod, 'GET', '/webmail/api/lists')).body.lists;
  expect(forMod).toEqual([
    expect.objectContaining({ address: LIST, member: false, roles: ['moderator'], held: 1 }),
  ]);
  expect((await call(h, outsider, 'GET', '/webmail/api/lists')).body.lists).toEqual([]);
  expect((await call(h, null, 'GET', '/webmail/api/lists')).status).toBe(401);
});

test('member options refuse bad modes, non-members and unknown lists', async () => {
  const bad = await call(h, member, 'PUT', `${PATH}/membership`, { deliveryMode: 'sometimes' });
  expect(bad.status).toBe(400);
  expect(bad.body.error).toMatch(/deliveryMode/);
  expect((await call(h, member, 'PUT', `${PATH}/membership`, '[1]')).status).toBe(400);
  expect((await call(h, outsider, 'PUT', `${PATH}/membership`, { deliveryMode: 'digest' })).status).toBe(404);
  const unknown = `/webmail/api/lists/${encodeURIComponent('nope@listapi.test')}/membership`;
  expect((await call(h, member, 'PUT', unknown, { deliveryMode: 'digest' })).status).toBe(404);
  expect((await call(h, member, 'PUT', `${PATH}/membership`, { deliveryMode: 'nomail' })).body).toEqual({
    address: LIST,
    deliveryMode: 'nomail',
  });
});

test('only moderators see and decide held posts; a post is decided once', async () => {
  expect((await call(h, member, 'GET', `${PATH}/held`)).status).toBe(403);
  expect((await call(h, outsider, 'POST', `${PATH}/held/${heldId}`, { action: 'approve' })).status).toBe(403);
  expect((await call(h, mod, 'POST', `${PATH}/held/${heldId}`, { action: 'maybe' })).status).toBe(400);
  expect((await call(h, mod, 'POST', `${PATH}/held/not-a-number`, { action: 'approve' })).status).toBe(404);
  expect((await call(h, mod, 'POST', `${PATH}/held/999999`, { action: 'approve' })).status).toBe(404);
  const deferred = await call(h, mod, 'POST', `${PATH}/held/${heldId}`, { action: 'defer' });
  expect(deferred.body).toEqual({ id: heldId, decision: null, deferred: true });
  expect((await call(h, mod, 'GET', `${PATH}/held`)).body.held).toHaveLength(1);
  expect((await call(h, mod, 'POST', `${PATH}/held/${heldId}`, { action: 'discard' })).status).toBe(200);
  expect((await call(h, mod, 'POST', `${PATH}/held/${heldId}`, { action: 'approve' })).status).toBe(409);
  expect((await call(h, mod, 'GET', `${PATH}/held`)).body.held).toEqual([]);
});
