/**
 * The webmail's address book API over real HTTP: create / list / search / edit / delete (seen
 * over CardDAV, and a card made over CardDAV seen and edited here without losing its other
 * properties), compose completion from contacts and the domain directory (prefix, bounded, never
 * another domain's users), CSRF refusal, tenant isolation and bad input.
 */
import { WebHarness } from './web-harness';
import { call, dav, login, type Session } from './webmail-session';

const ALICE = 'alice@book.test';
const BOB = 'bob.builder@book.test';
const EVE = 'eve@elsewhere.test';
const PW = 'contacts api password 1';
const CONTACTS = '/webmail/api/contacts';
let h: WebHarness;
let alice: Session;
let bob: Session;
let eve: Session;

beforeAll(async () => {
  h = await WebHarness.start();
  for (const u of [ALICE, BOB, EVE, 'bobby@elsewhere.test']) await h.addUser(u, PW);
  [alice, bob, eve] = await Promise.all([login(h, ALICE, PW), login(h, BOB, PW), login(h, EVE, PW)]);
}, 120_000);
afterAll(async () => h?.stop());

const complete = (s: Session, q: string, limit?: number) =>
  call(
    h,
    s,
    'GET',
    `${CONTACTS}/complete?${new URLSearchParams({ q, ...(limit !== undefined ? { limit: String(limit) } : {}) })}`,
  );

test('create, search, edit and delete a contact; CardDAV sees every step', async () => {
  const created = await call(h, alice, 'POST', CONTACTS, {
    name: 'Grace Hopper',
    emails: ['grace@navy.example', 'ghopper@univac.example'],
    phones: ['+1 555 0100'],
    org: 'US Navy',
    note: 'COBOL',
  });
  expect(created.status).toBe(201);
  const { id, etag } = created.body;
  expect(created.body).toMatchObject({
    name: 'Grace Hopper',
    emails: ['grace@navy.example', 'ghopper@univac.example'],
  });
  const card = await dav(h, ALICE, PW, 'GET', `/dav/addressbooks/${ALICE}/${id}`);
  expect(card.status).toBe(200);
  expect(card.headers.get('etag')).toBe(etag);
  expect(card.text).toContain('FN:Grace Hopper');
  expect(card.text).toContain('EMAIL:grace@navy.example');
  expect(card.text).toMatch(/VERSION:4\.0/);

  expect(
    (await call(h, alice, 'GET', `${CONTACTS}?q=univac`)).body.contacts.map((c: { id: string }) => c.id),
  ).toEqual([id]);
  expect((await call(h, alice, 'GET', `${CONTACTS}?q=nobody`)).body.contacts).toEqual([]);

  expect(
    (await call(h, alice, 'PUT', `${CONTACTS}/${id}`, { name: 'x' }, { 'if-match': '"old"' })).status,
  ).toBe(412);
  const edited = await call(h, alice, 'PUT', `${CONTACTS}/${id}`, {
    name: 'Rear Admiral Grace Hopper',
    emails: ['grace@navy.example'],
    org: 'US Navy',
  });
  expect(edited.status).toBe(200);
  const after = (await dav(h, ALICE, PW, 'GET', `/dav/addressbooks/${ALICE}/${id}`)).text;
  expect(after).toContain('FN:Rear Admiral Grace Hopper');
  expect(after).not.toContain('ghopper@univac.example');
  expect(after).not.toContain('TEL');

  expect((await call(h, alice, 'DELETE', `${CONTACTS}/${id}`)).status).toBe(200);
  expect((await dav(h, ALICE, PW, 'GET', `/dav/addressbooks/${ALICE}/${id}`)).status).toBe(404);
  expect((await call(h, alice, 'DELETE', `${CONTACTS}/${id}`)).status).toBe(404);
});

test('a card made over CardDAV is listed, completed, and edited without losing what the webmail does not show', async () => {
  const vcard3 = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'UID:dav-card-1',
    'FN:Ada Lovelace',
    'EMAIL;TYPE=INTERNET:ada@engine.example',
    'URL:https://engine.example/ada',
    'CATEGORIES:mathematics',
    'END:VCARD',
    '',
  ].join('\r\n');
  const put = await dav(h, ALICE, PW, 'PUT', `/dav/addressbooks/${ALICE}/contacts/ada.vcf`, vcard3, {
    'content-type': 'text/vcard',
  });
  expect(put.status).toBe(201);
  const listed = (await call(h, alice, 'GET', CONTACTS)).body.contacts;
  expect(listed.find((c: { id: string }) => c.id === 'contacts/ada.vcf')).toMatchObject({
    name: 'Ada Lovelace',
    emails: ['ada@engine.example'],
  });
  expect((await complete(alice, 'love')).body.results).toEqual([
    { name: 'Ada Lovelace', email: 'ada@engine.example', source: 'contact' },
  ]);
  const edited = await call(h, alice, 'PUT', `${CONTACTS}/contacts/ada.vcf`, {
    name: 'Ada Lovelace',
    emails: ['ada@engine.example', 'countess@engine.example'],
  });
  expect(edited.status).toBe(200);
  const text = (await dav(h, ALICE, PW, 'GET', `/dav/addressbooks/${ALICE}/contacts/ada.vcf`)).text;
  expect(text).toContain('VERSION:3.0');
  expect(text).toContain('URL:https://engine.example/ada');
  expect(text).toContain('CATEGORIES:mathematics');
  expect(text).toMatch(/EMAIL;TYPE=INTERNET:ada@engine\.example/);
  expect(text).toContain('countess@engine.example');
});

test('completion: contacts first, then the domain directory, by prefix of a name word or the address, bounded', async () => {
  await call(h, alice, 'POST', CONTACTS, { name: 'Bob Dylan', emails: ['bob@music.example'] });
  const bobs = (await complete(alice, 'bob')).body.results;
  expect(bobs).toEqual([
    { name: 'Bob Dylan', email: 'bob@music.example', source: 'contact' },
    { name: 'bob.builder', email: BOB, source: 'directory' },
  ]);
  // Another domain's users (bobby@elsewhere.test) are not in this domain's directory.
  expect(bobs.map((r: { email: string }) => r.email)).not.toContain('bobby@elsewhere.test');
  expect((await complete(alice, 'dyl')).body.results.map((r: { email: string }) => r.email)).toEqual([
    'bob@music.example',
  ]);
  expect((await complete(alice, 'ylan')).body.results).toEqual([]);
  expect((await complete(alice, 'bob', 1)).body.results).toHaveLength(1);
  expect((await complete(alice, '')).body.results).toEqual([]);
  // Bob's completion does not see Alice's contacts.
  expect((await complete(bob, 'dyl')).body.results).toEqual([]);
  expect((await complete(eve, 'bob')).body.results.map((r: { email: string }) => r.email)).toEqual([
    'bobby@elsewhere.test',
  ]);
  for (const bad of [0, 51]) expect((await complete(alice, 'bob', bad)).status).toBe(400);
  expect((await complete(alice, 'b'.repeat(101))).status).toBe(400);
});

test("CSRF, the session, and another account's contacts", async () => {
  const created = await call(h, alice, 'POST', CONTACTS, {
    name: 'Secret Friend',
    emails: ['friend@x.example'],
  });
  const { id } = created.body;
  expect((await call(h, { ...alice, csrf: '' }, 'POST', CONTACTS, { name: 'x' })).status).toBe(403);
  expect(
    (await call(h, alice, 'DELETE', `${CONTACTS}/${id}`, undefined, { origin: 'https://evil.example' }))
      .status,
  ).toBe(403);
  expect((await call(h, null, 'GET', CONTACTS)).status).toBe(401);
  expect((await call(h, null, 'GET', `${CONTACTS}/complete?q=a`, undefined, h.basic(ALICE, PW))).status).toBe(
    401,
  );
  for (const who of [bob, eve]) {
    expect((await call(h, who, 'PUT', `${CONTACTS}/${id}`, { name: 'Mine' })).status).toBe(404);
    expect((await call(h, who, 'DELETE', `${CONTACTS}/${id}`)).status).toBe(404);
    expect((await call(h, who, 'GET', `${CONTACTS}?q=secret`)).body.contacts).toEqual([]);
  }
  expect((await call(h, alice, 'POST', CONTACTS, { name: 'x', book: 'someone-elses' })).status).toBe(404);
  expect((await call(h, alice, 'GET', `${CONTACTS}?q=secret`)).body.contacts).toHaveLength(1);
});

test('bad input is answered 400 with a reason', async () => {
  const cases: unknown[] = [
    {},
    { name: '   ' },
    { name: 'x'.repeat(301) },
    { name: 'x', emails: ['not-an-address'] },
    { name: 'x', emails: 'a@b.example' },
    { name: 'x', emails: Array.from({ length: 21 }, (_, i) => `a${i}@b.example`) },
    { name: 'x', phones: ['call me'] },
    { name: 'x', note: 7 },
    ['x'],
    '{"name":',
  ];
  for (const body of cases) {
    const res = await call(h, alice, 'POST', CONTACTS, body);
    expect([res.status, typeof res.body?.error]).toEqual([400, 'string']);
  }
  expect((await call(h, alice, 'GET', `${CONTACTS}?q=${'q'.repeat(101)}`)).status).toBe(400);
});

test('any JSON body is a contact or a 400, and any query completes or is refused (fast-check)', async () => {
  const fc = await import('fast-check');
  const field = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
  const body = fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 40 }), field),
      emails: fc.oneof(fc.array(fc.oneof(fc.emailAddress(), fc.string()), { maxLength: 3 }), field),
      phones: fc.oneof(fc.array(fc.stringMatching(/^[0-9+ ()-]{1,15}$/), { maxLength: 2 }), field),
      org: field,
      note: field,
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(body, fc.string({ maxLength: 120 }), async (b, q) => {
      const res = await call(h, alice, 'POST', CONTACTS, b);
      expect([201, 400]).toContain(res.status);
      if (res.status === 201)
        expect((await call(h, alice, 'DELETE', `${CONTACTS}/${res.body.id}`)).status).toBe(200);
      const completed = await complete(alice, q);
      expect([200, 400]).toContain(completed.status);
      if (completed.status === 200) expect(completed.body.results.length).toBeLessThanOrEqual(10);
    }),
    { numRuns: 60 },
  );
});
