/**
 * The webmail's filter rules API over real HTTP: rules saved become the active script "webmail"
 * and read back; the raw script round-trips, a hand edit makes the rules null (raw editor only),
 * a script that does not compile is a 400 with line and column; activation on and off; bad
 * rules, CSRF and other accounts are refused.
 */
import { SieveScriptStore } from '../../core/sieve/script-store';
import { WebHarness } from './web-harness';
import { call, login, type Session } from './webmail-session';

const ALICE = 'alice@rules.test';
const BOB = 'bob@rules.test';
const PW = 'sieve rules api password';
const invoices = {
  name: 'Invoices',
  enabled: true,
  match: 'all',
  conditions: [{ type: 'header', header: 'Subject', match: 'contains', value: 'invoice', not: false }],
  actions: [{ type: 'fileinto', folder: 'Invoices', copy: false }],
};
let h: WebHarness;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  h = await WebHarness.start();
  await h.addUser(ALICE, PW);
  await h.addUser(BOB, PW);
  [alice, bob] = await Promise.all([login(h, ALICE, PW), login(h, BOB, PW)]);
}, 120_000);
afterAll(async () => h?.stop());

const accountOf = async (address: string) => String((await h.node.web!.directory.getAccount(address))!.id);

test('no rules at first; saved rules are the active script "webmail" and read back', async () => {
  expect((await call(h, alice, 'GET', '/webmail/api/sieve')).body).toEqual({
    script: 'webmail',
    exists: false,
    rules: [],
    active: null,
  });
  const saved = await call(h, alice, 'PUT', '/webmail/api/sieve/rules', { rules: [invoices] });
  expect(saved.status).toBe(200);
  expect(saved.body).toEqual({ script: 'webmail', exists: true, rules: [invoices], active: 'webmail' });
  const raw = await call(h, alice, 'GET', '/webmail/api/sieve/script');
  expect(raw.body.active).toBe(true);
  expect(raw.body.content).toContain('if header :contains "Subject" "invoice" {\n  fileinto "Invoices";\n}');
  // The store delivery reads holds the same active script.
  const store = new SieveScriptStore(h.node.web!.db);
  expect((await store.active(await accountOf(ALICE)))?.content).toBe(raw.body.content);
  // Bob sees none of it.
  expect((await call(h, bob, 'GET', '/webmail/api/sieve')).body).toMatchObject({
    exists: false,
    active: null,
  });
});

test('a raw script: a compile error is a 400 with line and column; a hand edit is raw only', async () => {
  const bad = await call(h, alice, 'PUT', '/webmail/api/sieve/script', {
    content: 'require "fileinto";\nif header :contains "Subject" "x" {\n  fileinto "A"\n}\n',
  });
  expect(bad.status).toBe(400);
  expect(bad.body.line).toBeGreaterThanOrEqual(3);
  expect(typeof bad.body.column).toBe('number');
  expect(bad.body.error).toMatch(/^line \d+, column \d+: /);
  // The stored script is unchanged.
  expect((await call(h, alice, 'GET', '/webmail/api/sieve')).body.rules).toEqual([invoices]);

  const current = (await call(h, alice, 'GET', '/webmail/api/sieve/script')).body.content as string;
  const edited = current.replace('"Invoices";', '"Invoices";\n  stop;');
  const put = await call(h, alice, 'PUT', '/webmail/api/sieve/script', { content: edited });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ rules: null, active: 'webmail' });
  expect((await call(h, alice, 'GET', '/webmail/api/sieve/script')).body.content).toBe(edited);
  // Saving rules again replaces the hand-edited script.
  const again = await call(h, alice, 'PUT', '/webmail/api/sieve/rules', { rules: [invoices] });
  expect(again.body.rules).toEqual([invoices]);
});

test('filtering off and on', async () => {
  const off = await call(h, alice, 'POST', '/webmail/api/sieve/active', { active: false });
  expect(off.status).toBe(200);
  expect(off.body.active).toBeNull();
  expect((await call(h, alice, 'POST', '/webmail/api/sieve/active', { active: true })).body.active).toBe(
    'webmail',
  );
  expect((await call(h, bob, 'POST', '/webmail/api/sieve/active', { active: true })).status).toBe(404);
  expect((await call(h, alice, 'POST', '/webmail/api/sieve/active', { active: 'yes' })).status).toBe(400);
});

test('bad rules are a 400 naming the rule; no session or no CSRF token is refused', async () => {
  const bad = await call(h, alice, 'PUT', '/webmail/api/sieve/rules', {
    rules: [invoices, { ...invoices, actions: [{ type: 'redirect', address: 'not an address' }] }],
  });
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ rule: 1 });
  expect(bad.body.error).toMatch(/rule 2: .*not an address/);
  expect((await call(h, alice, 'PUT', '/webmail/api/sieve/rules', { rules: 'all' })).status).toBe(400);
  expect((await call(h, alice, 'PUT', '/webmail/api/sieve/rules', '{"rules": [')).status).toBe(400);
  expect((await call(h, alice, 'PUT', '/webmail/api/sieve/script', { content: 42 })).status).toBe(400);
  expect((await call(h, null, 'GET', '/webmail/api/sieve')).status).toBe(401);
  const noCsrf = await call(h, { ...alice, csrf: 'wrong' }, 'PUT', '/webmail/api/sieve/rules', { rules: [] });
  expect(noCsrf.status).toBe(403);
  // A script over the size limit is refused as too large.
  const huge = await call(h, alice, 'PUT', '/webmail/api/sieve/script', {
    content: '#' + 'x'.repeat(70_000),
  });
  expect(huge.status).toBe(413);
});
