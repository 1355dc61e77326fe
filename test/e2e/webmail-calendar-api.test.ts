/**
 * The webmail's calendar API over real HTTP against an in-process node: events in a range,
 * create / edit / delete of a series and of one instance (seen over CalDAV: overrides, EXDATE,
 * ETags), an event made over CalDAV seen by the API, invitations and answers between two local
 * users (the organizer's copy gets the PARTSTAT), CSRF and Origin refusals, tenant isolation,
 * and bad input answered 4xx.
 */
import { WebHarness } from './web-harness';
import { call, dav, login, type Session } from './webmail-session';

const ALICE = 'alice@cal.test';
const BOB = 'bob@cal.test';
const EVE = 'eve@elsewhere.test';
const PW = 'calendar api password 1';
const EVENTS = '/webmail/api/calendar/events';
let h: WebHarness;
let alice: Session;
let bob: Session;
let eve: Session;

beforeAll(async () => {
  h = await WebHarness.start();
  for (const u of [ALICE, BOB, EVE]) await h.addUser(u, PW);
  [alice, bob, eve] = await Promise.all([login(h, ALICE, PW), login(h, BOB, PW), login(h, EVE, PW)]);
}, 120_000);
afterAll(async () => h?.stop());

const range = (start: string, end: string, tz = 'UTC') =>
  `${EVENTS}?${new URLSearchParams({ start, end, tz })}`;
const davPath = (user: string, id: string) => `/dav/calendars/${user}/${id}`;
const eventPath = (id: string) => `${EVENTS}/${id}`;
const DEC = ['2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'] as const;

test('create, list, edit and delete a single event; CalDAV sees every step', async () => {
  const created = await call(h, alice, 'POST', EVENTS, {
    title: 'Dentist',
    start: '2026-12-09T14:00:00Z',
    end: '2026-12-09T15:00:00Z',
    location: 'High Street 1',
  });
  expect(created.status).toBe(201);
  const { id, etag } = created.body;
  expect(id).toMatch(/^personal\/.+\.ics$/);

  const listed = await call(h, alice, 'GET', range(...DEC));
  expect(listed.status).toBe(200);
  const shown = listed.body.events.find((e: { id: string }) => e.id === id);
  expect(shown).toMatchObject({
    title: 'Dentist',
    start: '2026-12-09T14:00:00.000Z',
    end: '2026-12-09T15:00:00.000Z',
    location: 'High Street 1',
    allDay: false,
    recurrenceId: null,
    etag,
  });
  const caldav = await dav(h, ALICE, PW, 'GET', davPath(ALICE, id));
  expect(caldav.status).toBe(200);
  expect(caldav.headers.get('etag')).toBe(etag);
  expect(caldav.text).toContain('SUMMARY:Dentist');

  const stale = await call(
    h,
    alice,
    'PUT',
    eventPath(id),
    { title: 'x', start: '2026-12-09T14:00:00Z', end: '2026-12-09T15:00:00Z' },
    { 'if-match': '"stale"' },
  );
  expect(stale.status).toBe(412);
  const edited = await call(
    h,
    alice,
    'PUT',
    eventPath(id),
    { title: 'Dentist (moved)', start: '2026-12-10T08:30:00Z', end: '2026-12-10T09:00:00Z' },
    { 'if-match': etag },
  );
  expect(edited.status).toBe(200);
  const after = await dav(h, ALICE, PW, 'GET', davPath(ALICE, id));
  expect(after.text).toContain('SUMMARY:Dentist (moved)');
  expect(after.text).toContain('DTSTART:20261210T083000Z');
  expect(after.text).toMatch(/SEQUENCE:1/);

  expect((await call(h, alice, 'DELETE', eventPath(id))).status).toBe(200);
  expect((await dav(h, ALICE, PW, 'GET', davPath(ALICE, id))).status).toBe(404);
  expect(
    (await call(h, alice, 'GET', range(...DEC))).body.events.map((e: { id: string }) => e.id),
  ).not.toContain(id);
  expect((await call(h, alice, 'DELETE', eventPath(id))).status).toBe(404);
});

test('a weekly series: one instance overridden, one removed (EXDATE), then the whole series moved', async () => {
  const created = await call(h, alice, 'POST', EVENTS, {
    title: 'Standup',
    start: '2026-12-07T09:00:00Z',
    end: '2026-12-07T09:15:00Z',
    recurrence: { freq: 'WEEKLY', count: 4 },
  });
  expect(created.status).toBe(201);
  const { id } = created.body;
  const instances = async () =>
    (await call(h, alice, 'GET', range(...DEC))).body.events.filter((e: { id: string }) => e.id === id);
  const four = await instances();
  expect(four.map((e: { start: string }) => e.start)).toEqual([
    '2026-12-07T09:00:00.000Z',
    '2026-12-14T09:00:00.000Z',
    '2026-12-21T09:00:00.000Z',
    '2026-12-28T09:00:00.000Z',
  ]);
  expect(four[0].recurrence).toEqual({ freq: 'WEEKLY', count: 4, until: null });

  const moved = await call(h, alice, 'PUT', eventPath(id), {
    title: 'Standup (late)',
    start: '2026-12-14T11:00:00Z',
    end: '2026-12-14T11:15:00Z',
    recurrenceId: four[1].recurrenceId,
  });
  expect(moved.status).toBe(200);
  const removed = await call(
    h,
    alice,
    'DELETE',
    `${eventPath(id)}?recurrenceId=${encodeURIComponent(four[2].recurrenceId)}`,
  );
  expect(removed.status).toBe(200);
  const now = await instances();
  expect(now.map((e: { start: string; title: string }) => [e.start, e.title])).toEqual([
    ['2026-12-07T09:00:00.000Z', 'Standup'],
    ['2026-12-14T11:00:00.000Z', 'Standup (late)'],
    ['2026-12-28T09:00:00.000Z', 'Standup'],
  ]);
  const ics = (await dav(h, ALICE, PW, 'GET', davPath(ALICE, id))).text;
  expect(ics).toContain('RECURRENCE-ID:20261214T090000Z');
  expect(ics).toContain('EXDATE:20261221T090000Z');

  // An instance that the rule does not produce is not there to edit.
  const missing = await call(h, alice, 'PUT', eventPath(id), {
    title: 'x',
    start: '2026-12-15T11:00:00Z',
    end: '2026-12-15T11:15:00Z',
    recurrenceId: '2026-12-15T09:00:00Z',
  });
  expect(missing.status).toBe(404);

  const series = await call(h, alice, 'PUT', eventPath(id), {
    title: 'Standup',
    start: '2026-12-07T10:00:00Z',
    end: '2026-12-07T10:15:00Z',
    recurrence: { freq: 'DAILY', count: 2 },
  });
  expect(series.status).toBe(200);
  const daily = await instances();
  expect(daily.map((e: { start: string }) => e.start)).toEqual([
    '2026-12-07T10:00:00.000Z',
    '2026-12-08T10:00:00.000Z',
  ]);
});

test('a weekly event in the browser time zone keeps its wall-clock time across the DST change', async () => {
  const created = await call(h, alice, 'POST', EVENTS, {
    title: 'Choir',
    start: '2027-03-20T18:00:00Z',
    end: '2027-03-20T19:00:00Z',
    recurrence: { freq: 'WEEKLY', count: 3 },
    timeZone: 'Europe/Paris',
  });
  expect(created.status).toBe(201);
  const listed = await call(
    h,
    alice,
    'GET',
    range('2027-03-15T00:00:00Z', '2027-04-15T00:00:00Z', 'Europe/Paris'),
  );
  const starts = listed.body.events
    .filter((e: { id: string }) => e.id === created.body.id)
    .map((e: { start: string }) => e.start);
  // 19:00 in Paris: UTC+1 before 28 March 2027, UTC+2 after.
  expect(starts).toEqual([
    '2027-03-20T18:00:00.000Z',
    '2027-03-27T18:00:00.000Z',
    '2027-04-03T17:00:00.000Z',
  ]);
  const ics = (await dav(h, ALICE, PW, 'GET', davPath(ALICE, created.body.id))).text;
  expect(ics).toContain('DTSTART;TZID=Europe/Paris:20270320T190000');
  expect(ics).toContain('BEGIN:VTIMEZONE');
  const bad = await call(h, alice, 'POST', EVENTS, {
    title: 'x',
    start: '2027-03-20T18:00:00Z',
    end: '2027-03-20T19:00:00Z',
    timeZone: 'Nowhere/Land',
  });
  expect(bad.status).toBe(400);
});

test('all-day events, and floating times from CalDAV read in the browser time zone', async () => {
  const holiday = await call(h, alice, 'POST', EVENTS, {
    title: 'Holidays',
    allDay: true,
    start: '2026-12-24',
    end: '2026-12-27',
  });
  expect(holiday.status).toBe(201);
  const floating = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    'UID:floating-1',
    'DTSTAMP:20261201T000000Z',
    'DTSTART:20261211T100000',
    'DTEND:20261211T110000',
    'SUMMARY:Floating',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  const put = await dav(h, ALICE, PW, 'PUT', davPath(ALICE, 'personal/floating-1.ics'), floating, {
    'content-type': 'text/calendar',
  });
  expect(put.status).toBe(201);
  const paris = (await call(h, alice, 'GET', range(...DEC, 'Europe/Paris'))).body.events;
  expect(paris.find((e: { title: string }) => e.title === 'Floating')).toMatchObject({
    start: '2026-12-11T09:00:00.000Z',
    end: '2026-12-11T10:00:00.000Z',
  });
  expect(paris.find((e: { title: string }) => e.title === 'Holidays')).toMatchObject({
    allDay: true,
    start: '2026-12-24',
    end: '2026-12-27',
  });
  const ics = (await dav(h, ALICE, PW, 'GET', davPath(ALICE, holiday.body.id))).text;
  expect(ics).toContain('DTSTART;VALUE=DATE:20261224');
});

test('an invitation to a local user: listed for the attendee, answered, and the organizer sees the answer', async () => {
  const created = await call(h, alice, 'POST', EVENTS, {
    title: 'Planning',
    start: '2026-12-16T13:00:00Z',
    end: '2026-12-16T14:00:00Z',
    attendees: [BOB, 'carol@remote.example'],
  });
  expect(created.status).toBe(201);
  const waiting = (await call(h, bob, 'GET', '/webmail/api/calendar/invitations')).body.invitations;
  const invitation = waiting.find((e: { title: string }) => e.title === 'Planning');
  expect(invitation).toMatchObject({ organizer: ALICE, myPartstat: 'NEEDS-ACTION' });
  // The organizer's own event is not an invitation, and the attendee may not edit it.
  expect((await call(h, alice, 'GET', '/webmail/api/calendar/invitations')).body.invitations).toEqual([]);
  const edit = await call(h, bob, 'PUT', eventPath(invitation.id), {
    title: 'Mine now',
    start: '2026-12-16T13:00:00Z',
    end: '2026-12-16T14:00:00Z',
  });
  expect(edit.status).toBe(403);
  const bad = await call(h, bob, 'POST', `/webmail/api/calendar/invitations/${invitation.id}`, {
    response: 'maybe',
  });
  expect(bad.status).toBe(400);
  const accepted = await call(h, bob, 'POST', `/webmail/api/calendar/invitations/${invitation.id}`, {
    response: 'accept',
  });
  expect(accepted.status).toBe(200);
  expect(accepted.body.partstat).toBe('ACCEPTED');
  expect((await call(h, bob, 'GET', '/webmail/api/calendar/invitations')).body.invitations).toEqual([]);
  const organizerCopy = (await dav(h, ALICE, PW, 'GET', davPath(ALICE, created.body.id))).text.replace(
    /\r\n /g,
    '',
  );
  expect(organizerCopy).toMatch(
    new RegExp(`ATTENDEE[^\\r\\n]*PARTSTAT=ACCEPTED[^\\r\\n]*:mailto:${BOB}`, 'i'),
  );
  // Declining later is an answer too.
  const declined = await call(h, bob, 'POST', `/webmail/api/calendar/invitations/${invitation.id}`, {
    response: 'decline',
  });
  expect(declined.status).toBe(200);
  const again = (await dav(h, ALICE, PW, 'GET', davPath(ALICE, created.body.id))).text.replace(/\r\n /g, '');
  expect(again).toMatch(new RegExp(`ATTENDEE[^\\r\\n]*PARTSTAT=DECLINED[^\\r\\n]*:mailto:${BOB}`, 'i'));
});

test('CSRF token, Origin and the session cookie are required', async () => {
  const body = { title: 'x', start: '2026-12-09T14:00:00Z', end: '2026-12-09T15:00:00Z' };
  expect((await call(h, null, 'GET', range(...DEC))).status).toBe(401);
  expect((await call(h, { ...alice, csrf: 'wrong' }, 'POST', EVENTS, body)).status).toBe(403);
  expect((await call(h, alice, 'POST', EVENTS, body, { origin: 'https://evil.example' })).status).toBe(403);
  const basic = await call(h, null, 'GET', range(...DEC), undefined, h.basic(ALICE, PW));
  expect(basic.status).toBe(401);
});

test("another account's events are not found", async () => {
  const created = await call(h, alice, 'POST', EVENTS, {
    title: 'Private',
    start: '2026-12-18T13:00:00Z',
    end: '2026-12-18T14:00:00Z',
  });
  const body = { title: 'Hijacked', start: '2026-12-18T13:00:00Z', end: '2026-12-18T14:00:00Z' };
  for (const who of [bob, eve]) {
    expect((await call(h, who, 'PUT', eventPath(created.body.id), body)).status).toBe(404);
    expect((await call(h, who, 'DELETE', eventPath(created.body.id))).status).toBe(404);
    const theirs = (await call(h, who, 'GET', range(...DEC))).body.events;
    expect(theirs.map((e: { title: string }) => e.title)).not.toContain('Private');
  }
  expect((await call(h, alice, 'POST', EVENTS, { ...body, calendar: 'inbox' })).status).toBe(404);
  expect((await dav(h, ALICE, PW, 'GET', davPath(ALICE, created.body.id))).text).toContain('SUMMARY:Private');
});

test('bad input is answered 400 with a reason', async () => {
  const ok = { title: 'x', start: '2026-12-09T14:00:00Z', end: '2026-12-09T15:00:00Z' };
  const cases: unknown[] = [
    { ...ok, title: '' },
    { ...ok, title: 'x'.repeat(501) },
    { ...ok, end: '2026-12-09T13:00:00Z' },
    { ...ok, start: 'tomorrow' },
    { ...ok, start: '2026-12-09' },
    { ...ok, end: '2029-12-09T13:00:00Z' },
    { ...ok, allDay: true, start: '2026-02-30' },
    { ...ok, allDay: 'yes' },
    { ...ok, attendees: ['not an address'] },
    { ...ok, attendees: 'bob@cal.test' },
    { ...ok, attendees: Array.from({ length: 101 }, (_, i) => `u${i}@cal.test`) },
    { ...ok, recurrence: { freq: 'HOURLY' } },
    { ...ok, recurrence: { freq: 'DAILY', count: 0 } },
    { ...ok, recurrence: { freq: 'DAILY', count: 2, until: '2027-01-01' } },
    { ...ok, location: 42 },
    [ok],
    'not json',
  ];
  for (const body of cases) {
    const res = await call(h, alice, 'POST', EVENTS, body);
    expect([res.status, typeof res.body?.error]).toEqual([400, 'string']);
  }
  for (const q of [
    range('2026-12-01T00:00:00Z', '2027-06-01T00:00:00Z'),
    range('2026-12-02T00:00:00Z', '2026-12-01T00:00:00Z'),
    range('yesterday', '2026-12-01T00:00:00Z'),
    range(...DEC, 'Mars/Olympus_Mons'),
  ]) {
    expect((await call(h, alice, 'GET', q)).status).toBe(400);
  }
  const one = await call(h, alice, 'POST', EVENTS, ok);
  expect(
    (await call(h, alice, 'DELETE', `${eventPath(one.body.id)}?recurrenceId=2026-12-09T14:00:00Z`)).status,
  ).toBe(404);
});

test('any JSON body is an event or a 400, never a server error (fast-check)', async () => {
  const fc = await import('fast-check');
  const instant = fc
    .integer({ min: Date.parse('1899-01-01'), max: Date.parse('2201-01-01') })
    .map((ms) => new Date(ms).toISOString());
  const field = fc.oneof(
    fc.string(),
    instant,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.date().map(String),
  );
  const body = fc.record(
    {
      title: field,
      start: fc.oneof(instant, field),
      end: fc.oneof(instant, field),
      allDay: fc.oneof(fc.boolean(), field),
      location: field,
      attendees: fc.oneof(fc.array(fc.oneof(fc.emailAddress(), fc.string()), { maxLength: 4 }), field),
      recurrence: fc.oneof(
        fc.constant(null),
        fc.record({
          freq: fc.constantFrom('DAILY', 'WEEKLY', 'YEARLY', ''),
          count: fc.integer({ min: -2, max: 1002 }),
        }),
        field,
      ),
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      const res = await call(h, alice, 'POST', EVENTS, b);
      expect([201, 400]).toContain(res.status);
      if (res.status === 201)
        expect((await call(h, alice, 'DELETE', eventPath(res.body.id))).status).toBe(200);
    }),
    { numRuns: 60 },
  );
});
