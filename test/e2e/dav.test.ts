/**
 * CalDAV/CardDAV/WebDAV over real HTTP against an in-process node: discovery, PROPFIND, PUT/GET/
 * DELETE with ETags and preconditions, COPY/MOVE, MKCALENDAR and extended MKCOL, sync-collection,
 * CardDAV queries, the directory book, sharing and tenant isolation, and hostile input.
 */
import { WebHarness } from './web-harness';

let h: WebHarness;
const ALICE = 'alice@dav.test';
const BOB = 'bob@dav.test';
const EVE = 'eve@other.test';
const PW = 'correct horse battery staple 1';

async function dav(
  method: string,
  path: string,
  user: string | null,
  body?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(h.base + path, {
    method,
    headers: {
      ...(user ? h.basic(user, PW) : {}),
      ...(body ? { 'content-type': 'application/xml; charset=utf-8' } : {}),
      ...headers,
    },
    body,
    redirect: 'manual',
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const event = (uid: string, start = '20260105T100000Z') =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART:${start}`,
    'DURATION:PT1H',
    'SUMMARY:Test',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
const card = (uid: string, fn: string, email: string, version = '4.0') =>
  [
    'BEGIN:VCARD',
    `VERSION:${version}`,
    `UID:${uid}`,
    `FN:${fn}`,
    // Structured values, as every real client sends (vCard 3 requires N).
    `N:${fn.split(' ').reverse().join(';')};;;`,
    'ADR;TYPE=work:;;1 Main St;Town;;12345;UK',
    `EMAIL;TYPE=work:${email}`,
    'END:VCARD',
    '',
  ].join('\r\n');

const propfindBody = (props: string) =>
  `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/"><d:prop>${props}</d:prop></d:propfind>`;

beforeAll(async () => {
  h = await WebHarness.start();
  for (const user of [ALICE, BOB, EVE]) await h.addUser(user, PW);
});
afterAll(() => h.node.destroy());

test('discovery: well-known redirect, current-user-principal, homes', async () => {
  const wk = await dav('PROPFIND', '/.well-known/caldav', null);
  expect(wk.status).toBe(301);
  expect(wk.headers.get('location')).toBe('/dav/');
  expect((await dav('PROPFIND', '/dav/', null)).status).toBe(401);
  const root = await dav('PROPFIND', '/dav/', ALICE, propfindBody('<d:current-user-principal/>'), {
    depth: '0',
  });
  expect(root.status).toBe(207);
  expect(root.text).toContain(`/dav/principals/${ALICE}/`);
  const principal = await dav(
    'PROPFIND',
    `/dav/principals/${ALICE}/`,
    ALICE,
    propfindBody('<c:calendar-home-set/><card:addressbook-home-set/><c:schedule-inbox-URL/>'),
    { depth: '0' },
  );
  expect(principal.text).toContain(`/dav/calendars/${ALICE}/`);
  expect(principal.text).toContain(`/dav/addressbooks/${ALICE}/`);
  expect(principal.text).toContain(`/dav/calendars/${ALICE}/inbox/`);
  const home = await dav(
    'PROPFIND',
    `/dav/calendars/${ALICE}/`,
    ALICE,
    propfindBody('<d:resourcetype/><c:supported-calendar-component-set/>'),
    { depth: '1' },
  );
  expect(home.text).toContain(`/dav/calendars/${ALICE}/personal/`);
  expect(home.text).toMatch(/<cal:calendar\/>/);
  const inf = await dav('PROPFIND', `/dav/calendars/${ALICE}/`, ALICE, propfindBody('<d:resourcetype/>'), {
    depth: 'infinity',
  });
  expect(inf.status).toBe(403);
  expect(inf.text).toContain('propfind-finite-depth');
  const opts = await dav('OPTIONS', '/dav/', null);
  expect(opts.headers.get('dav')).toContain('calendar-access');
});

test('PUT, GET, ETags, preconditions, DELETE', async () => {
  const url = `/dav/calendars/${ALICE}/personal/e1.ics`;
  const created = await dav('PUT', url, ALICE, event('e1'), {
    'content-type': 'text/calendar',
    'if-none-match': '*',
  });
  expect(created.status).toBe(201);
  const etag = created.headers.get('etag')!;
  expect(etag).toMatch(/^"/);
  expect(
    (await dav('PUT', url, ALICE, event('e1'), { 'content-type': 'text/calendar', 'if-none-match': '*' }))
      .status,
  ).toBe(412);
  expect(
    (
      await dav('PUT', url, ALICE, event('e1', '20260106T100000Z'), {
        'content-type': 'text/calendar',
        'if-match': '"nope"',
      })
    ).status,
  ).toBe(412);
  const got = await dav('GET', url, ALICE);
  expect(got.status).toBe(200);
  expect(got.headers.get('etag')).toBe(etag);
  expect(got.text).toContain('UID:e1');
  expect((await dav('GET', url, ALICE, undefined, { 'if-none-match': etag })).status).toBe(304);
  const dup = await dav('PUT', `/dav/calendars/${ALICE}/personal/other.ics`, ALICE, event('e1'), {
    'content-type': 'text/calendar',
  });
  expect(dup.status).toBe(403);
  expect(dup.text).toContain('no-uid-conflict');
  const bad = await dav(
    'PUT',
    `/dav/calendars/${ALICE}/personal/bad.ics`,
    ALICE,
    'BEGIN:VCALENDAR\r\nnonsense',
    { 'content-type': 'text/calendar' },
  );
  expect(bad.status).toBe(403);
  expect((await dav('DELETE', url, ALICE, undefined, { 'if-match': '"nope"' })).status).toBe(412);
  expect((await dav('DELETE', url, ALICE, undefined, { 'if-match': etag })).status).toBe(204);
  expect((await dav('GET', url, ALICE)).status).toBe(404);
});

test('MKCALENDAR, extended MKCOL, PROPPATCH, COPY and MOVE', async () => {
  const mk = await dav(
    'MKCALENDAR',
    `/dav/calendars/${ALICE}/work/`,
    ALICE,
    '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>Work</d:displayname><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
  );
  expect(mk.status).toBe(201);
  expect((await dav('MKCALENDAR', `/dav/calendars/${ALICE}/work/`, ALICE)).status).toBe(405);
  const vevent = await dav('PUT', `/dav/calendars/${ALICE}/work/x.ics`, ALICE, event('x'), {
    'content-type': 'text/calendar',
  });
  expect(vevent.status).toBe(403);
  expect(vevent.text).toContain('supported-calendar-component');
  const ext = await dav(
    'MKCOL',
    `/dav/addressbooks/${ALICE}/team/`,
    ALICE,
    '<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Team</d:displayname></d:prop></d:set></d:mkcol>',
  );
  expect(ext.status).toBe(201);
  const pp = await dav(
    'PROPPATCH',
    `/dav/calendars/${ALICE}/work/`,
    ALICE,
    '<d:propertyupdate xmlns:d="DAV:" xmlns:i="http://apple.com/ns/ical/" xmlns:z="urn:x"><d:set><d:prop><i:calendar-color>#ff0000</i:calendar-color><z:dead>v</z:dead></d:prop></d:set></d:propertyupdate>',
  );
  expect(pp.status).toBe(207);
  expect(pp.text).toContain('200 OK');
  const props = await dav(
    'PROPFIND',
    `/dav/calendars/${ALICE}/work/`,
    ALICE,
    propfindBody(
      '<d:displayname/><x:calendar-color xmlns:x="http://apple.com/ns/ical/"/><z:dead xmlns:z="urn:x"/>',
    ),
    { depth: '0' },
  );
  expect(props.text).toContain('Work');
  expect(props.text).toContain('#ff0000');
  expect(props.text).toContain('>v<');
  const prot = await dav(
    'PROPPATCH',
    `/dav/calendars/${ALICE}/work/`,
    ALICE,
    '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:getetag>x</d:getetag><d:displayname>W2</d:displayname></d:prop></d:set></d:propertyupdate>',
  );
  expect(prot.text).toContain('403');
  expect(prot.text).toContain('424');
  const src = `/dav/calendars/${ALICE}/personal/c1.ics`;
  await dav('PUT', src, ALICE, event('c1'), { 'content-type': 'text/calendar' });
  const copy = await dav('COPY', src, ALICE, undefined, {
    destination: `${h.base}/dav/calendars/${ALICE}/personal/c2.ics`,
  });
  expect(copy.status).toBe(403); // same UID twice in one calendar (RFC 4791 no-uid-conflict)
  await dav('MKCALENDAR', `/dav/calendars/${ALICE}/other/`, ALICE);
  expect(
    (await dav('COPY', src, ALICE, undefined, { destination: `/dav/calendars/${ALICE}/other/c1.ics` }))
      .status,
  ).toBe(201);
  expect(
    (
      await dav('COPY', src, ALICE, undefined, {
        destination: `/dav/calendars/${ALICE}/other/c1.ics`,
        overwrite: 'F',
      })
    ).status,
  ).toBe(412);
  expect(
    (await dav('MOVE', src, ALICE, undefined, { destination: `/dav/calendars/${ALICE}/other/c1.ics` }))
      .status,
  ).toBe(204);
  expect((await dav('GET', src, ALICE)).status).toBe(404);
  expect(
    (
      await dav('COPY', `/dav/calendars/${ALICE}/nothere.ics`, ALICE, undefined, {
        destination: `/dav/calendars/${ALICE}/nope/x.ics`,
      })
    ).status,
  ).toBe(404);
});

test('sync-collection: initial, changes, deletions, limit, bad token', async () => {
  const base = `/dav/addressbooks/${ALICE}/contacts/`;
  const sync = (token: string, limit = '') =>
    dav(
      'REPORT',
      base,
      ALICE,
      `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level>${limit}<d:prop><d:getetag/></d:prop></d:sync-collection>`,
    );
  const first = await sync('');
  expect(first.status).toBe(207);
  const token = /<d:sync-token>([^<]+)<\/d:sync-token>/.exec(first.text)![1];
  for (const n of [1, 2, 3])
    expect(
      (
        await dav('PUT', `${base}c${n}.vcf`, ALICE, card(`c${n}`, `Person ${n}`, `p${n}@x.test`), {
          'content-type': 'text/vcard',
        })
      ).status,
    ).toBe(201);
  await dav('DELETE', `${base}c2.vcf`, ALICE);
  const next = await sync(token);
  expect(next.text).toContain('c1.vcf');
  expect(next.text).toContain('c3.vcf');
  expect(next.text).toMatch(/c2\.vcf<\/d:href><d:status>HTTP\/1.1 404/);
  const limited = await sync(token, '<d:limit><d:nresults>1</d:nresults></d:limit>');
  expect(limited.text).toContain('507');
  const bad = await sync('http://nimbus-mail.org/ns/sync/999999-1');
  expect(bad.status).toBe(403);
  expect(bad.text).toContain('valid-sync-token');
});

test('CardDAV: addressbook-query, multiget with selected properties, vCard 3, directory book', async () => {
  const base = `/dav/addressbooks/${ALICE}/contacts/`;
  await dav('PUT', `${base}v3.vcf`, ALICE, card('v3', 'Zoë Example', 'zoe@x.test', '3.0'), {
    'content-type': 'text/vcard',
  });
  const q = await dav(
    'REPORT',
    base,
    ALICE,
    `<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data><card:prop name="EMAIL"/></card:address-data></d:prop><card:filter><card:prop-filter name="FN"><card:text-match collation="i;unicode-casemap" match-type="starts-with">zoë</card:text-match></card:prop-filter></card:filter></card:addressbook-query>`,
  );
  expect(q.status).toBe(207);
  expect(q.text).toContain('v3.vcf');
  expect(q.text).toContain('zoe@x.test');
  expect(q.text).not.toContain('c1.vcf');
  const param = await dav(
    'REPORT',
    base,
    ALICE,
    `<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop><card:filter><card:prop-filter name="EMAIL"><card:param-filter name="TYPE"><card:text-match collation="i;ascii-casemap" match-type="equals">WORK</card:text-match></card:param-filter></card:prop-filter></card:filter><card:limit><card:nresults>1</card:nresults></card:limit></card:addressbook-query>`,
  );
  expect(param.text).toContain('507');
  const mg = await dav(
    'REPORT',
    base,
    ALICE,
    `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><card:address-data/></d:prop><d:href>${base}v3.vcf</d:href><d:href>${base}none.vcf</d:href></card:addressbook-multiget>`,
  );
  expect(mg.text).toContain('FN:Zoë Example');
  expect(mg.text).toContain('404');
  const gal = await dav(
    'PROPFIND',
    `/dav/addressbooks/${ALICE}/directory/`,
    ALICE,
    propfindBody('<d:getetag/>'),
    { depth: '1' },
  );
  expect(gal.status).toBe(207);
  const cards = await dav(
    'REPORT',
    `/dav/addressbooks/${ALICE}/directory/`,
    ALICE,
    `<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><card:address-data/></d:prop></card:addressbook-query>`,
  );
  expect(cards.text).toContain(BOB);
  expect(cards.text).not.toContain(EVE);
  expect(
    (
      await dav('PUT', `/dav/addressbooks/${ALICE}/directory/x.vcf`, ALICE, card('x', 'X', 'x@x.test'), {
        'content-type': 'text/vcard',
      })
    ).status,
  ).toBe(403);
});

test('calendar-multiget and calendar-query', async () => {
  const base = `/dav/calendars/${ALICE}/personal/`;
  await dav('PUT', `${base}q1.ics`, ALICE, event('q1', '20260301T100000Z'), {
    'content-type': 'text/calendar',
  });
  const mg = await dav(
    'REPORT',
    base,
    ALICE,
    `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><d:href>${base}q1.ics</d:href></c:calendar-multiget>`,
  );
  expect(mg.text).toContain('UID:q1');
  const q = await dav(
    'REPORT',
    base,
    ALICE,
    `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260301T000000Z" end="20260302T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
  );
  expect(q.status).toBe(207);
  expect(q.text).toContain('q1.ics');
});

test('tenant isolation: another domain sees nothing, whatever the URL', async () => {
  for (const path of [
    `/dav/principals/${ALICE}/`,
    `/dav/calendars/${ALICE}/`,
    `/dav/calendars/${ALICE}/personal/`,
    `/dav/addressbooks/${ALICE}/contacts/c1.vcf`,
    `/dav/addressbooks/${ALICE}/directory/`,
  ]) {
    const r = await dav('PROPFIND', path, EVE, propfindBody('<d:getetag/>'), { depth: '1' });
    expect([403, 404]).toContain(r.status);
    expect(r.text).not.toContain(ALICE);
  }
  expect((await dav('GET', `/dav/addressbooks/${ALICE}/contacts/c1.vcf`, EVE)).status).toBe(404);
  expect(
    (
      await dav('PUT', `/dav/calendars/${ALICE}/personal/evil.ics`, EVE, event('evil'), {
        'content-type': 'text/calendar',
      })
    ).status,
  ).toBe(404);
  // A colleague without a grant: the calendar is not there for them either.
  expect((await dav('GET', `/dav/calendars/${ALICE}/personal/q1.ics`, BOB)).status).toBe(404);
});

test('sharing: read and read-write grants within the domain', async () => {
  await h.node.admin({
    op: 'dav.share',
    address: ALICE,
    collection: 'calendars/personal',
    with: BOB,
    access: 'read',
  } as never);
  expect((await dav('GET', `/dav/calendars/${ALICE}/personal/q1.ics`, BOB)).status).toBe(200);
  expect(
    (
      await dav('PUT', `/dav/calendars/${ALICE}/personal/b.ics`, BOB, event('b'), {
        'content-type': 'text/calendar',
      })
    ).status,
  ).toBe(403);
  const home = await dav('PROPFIND', `/dav/calendars/${ALICE}/`, BOB, propfindBody('<d:resourcetype/>'), {
    depth: '1',
  });
  expect(home.text).toContain('/personal/');
  expect(home.text).not.toContain('/work/');
  const principal = await dav(
    'PROPFIND',
    `/dav/principals/${BOB}/`,
    BOB,
    propfindBody('<c:calendar-home-set/>'),
    { depth: '0' },
  );
  expect(principal.text).toContain(`/dav/calendars/${ALICE}/`);
  await h.node.admin({
    op: 'dav.share',
    address: ALICE,
    collection: 'calendars/personal',
    with: BOB,
    access: 'read-write',
  } as never);
  expect(
    (
      await dav('PUT', `/dav/calendars/${ALICE}/personal/b.ics`, BOB, event('b'), {
        'content-type': 'text/calendar',
      })
    ).status,
  ).toBe(201);
  await expect(
    h.node.admin({
      op: 'dav.share',
      address: ALICE,
      collection: 'calendars/personal',
      with: EVE,
      access: 'read',
    } as never),
  ).rejects.toThrow();
  await h.node.admin({
    op: 'dav.unshare',
    address: ALICE,
    collection: 'calendars/personal',
    with: BOB,
  } as never);
  expect((await dav('GET', `/dav/calendars/${ALICE}/personal/q1.ics`, BOB)).status).toBe(404);
});

test("sharing by the owner: POST a JSON grant to one's own collection", async () => {
  const url = `/dav/addressbooks/${ALICE}/contacts/`;
  const grant = (user: string, body: object) =>
    dav('POST', url, user, JSON.stringify(body), { 'content-type': 'application/json' });
  expect((await grant(ALICE, { with: BOB, access: 'read' })).status).toBe(200);
  expect((await dav('GET', `${url}v3.vcf`, BOB)).status).toBe(200);
  expect((await grant(BOB, { with: BOB, access: 'read-write' })).status).toBe(403);
  expect((await grant(ALICE, { with: EVE, access: 'read' })).status).toBe(403);
  expect((await grant(ALICE, { with: BOB, access: 'none' })).status).toBe(200);
  expect((await dav('GET', `${url}v3.vcf`, BOB)).status).toBe(404);
  const audit = await h.node.storage.db.query<{ actor: string }>(
    `SELECT actor FROM admin_audit WHERE action = 'dav.share' ORDER BY id DESC LIMIT 1`,
  );
  expect(audit.rows[0].actor).toBe(`user:${ALICE}`);
});

test('bad input answers 4xx and the server keeps serving', async () => {
  const cases: [string, string, string | undefined, Record<string, string>][] = [
    ['PROPFIND', `/dav/calendars/${ALICE}/`, '<d:propfind xmlns:d="DAV:"><d:prop>', { depth: '0' }],
    ['PROPFIND', `/dav/calendars/${ALICE}/`, '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', { depth: '0' }],
    ['PROPFIND', `/dav/calendars/${ALICE}/`, '<a>'.repeat(100) + '</a>'.repeat(100), { depth: '0' }],
    ['REPORT', `/dav/calendars/${ALICE}/personal/`, '<d:unknown xmlns:d="DAV:"/>', {}],
    ['PROPFIND', '/dav/calendars/%E0/', undefined, { depth: '0' }],
    ['PROPFIND', `/dav/calendars/${ALICE}/`, undefined, { depth: 'sideways' }],
    ['PROPPATCH', `/dav/calendars/${ALICE}/personal/`, 'not xml at all', {}],
  ];
  for (const [method, path, body, headers] of cases) {
    const r = await dav(method, path, ALICE, body, headers);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  }
  expect((await dav('PROPFIND', '/dav/', ALICE, undefined, { depth: '0' })).status).toBe(207);
});
