/** A real DAV client (tsdav) against the node: calendars, objects, sync-collection and vCards. */
import { createDAVClient } from 'tsdav';
import { WebHarness } from './web-harness';

let h: WebHarness;
const USER = 'tsdav@dav.test';
const PW = 'correct horse battery staple 1';

beforeAll(async () => {
  h = await WebHarness.start();
  await h.addUser(USER, PW);
});
afterAll(() => h.node.destroy());

const ics = (uid: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//tsdav test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260110T090000Z',
    'DTEND:20260110T100000Z',
    'SUMMARY:tsdav',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

test('fetchCalendars, createCalendarObject, syncCollection, fetchAddressBooks, createVCard, fetchVCards', async () => {
  const client = await createDAVClient({
    serverUrl: `${h.base}/.well-known/caldav`,
    credentials: { username: USER, password: PW },
    authMethod: 'Basic',
    defaultAccountType: 'caldav',
  });
  const calendars = await client.fetchCalendars();
  const personal = calendars.find((c) => c.url.endsWith('/personal/'));
  expect(personal).toBeDefined();
  const created = await client.createCalendarObject({
    calendar: personal!,
    filename: 'ts1.ics',
    iCalString: ics('ts1'),
  });
  expect(created.status).toBe(201);
  const objects = await client.fetchCalendarObjects({ calendar: personal! });
  expect(objects.map((o) => o.url)).toEqual(expect.arrayContaining([expect.stringContaining('ts1.ics')]));
  const initial = await client.syncCollection({
    url: personal!.url,
    props: { 'd:getetag': {} },
    syncLevel: 1,
    syncToken: '',
  });
  expect(initial.some((r) => r.href?.endsWith('ts1.ics'))).toBe(true);

  const cards = await createDAVClient({
    serverUrl: `${h.base}/.well-known/carddav`,
    credentials: { username: USER, password: PW },
    authMethod: 'Basic',
    defaultAccountType: 'carddav',
  });
  const books = await cards.fetchAddressBooks();
  const contacts = books.find((b) => b.url.endsWith('/contacts/'));
  expect(contacts).toBeDefined();
  const vcard = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'UID:tscard',
    'FN:Ts Dav',
    'N:Dav;Ts;;;',
    'EMAIL:ts@dav.test',
    'END:VCARD',
    '',
  ].join('\r\n');
  expect(
    (await cards.createVCard({ addressBook: contacts!, filename: 'tscard.vcf', vCardString: vcard })).status,
  ).toBe(201);
  const fetched = await cards.fetchVCards({ addressBook: contacts! });
  expect(fetched.some((c) => String(c.data).includes('FN:Ts Dav'))).toBe(true);
});
