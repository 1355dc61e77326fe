/**
 * Issue #16 over real HTTP: a PUT of an event whose RRULE never matches (ical.js used to search
 * forever inside one iterator step) is answered, stored with its one instance, found by
 * calendar-query and free-busy-query, and the node serves the next request. The node runs in this
 * process, so the step counter proves the bound without timing anything.
 */
import { DEFAULT_RECURRENCE_LIMITS } from '../../core/pim/ical/recurrence-guard';
import { recurrenceStepsTaken } from '../../core/pim/ical/recurrence-steps';
import { WebHarness } from './web-harness';

let h: WebHarness;
const ALICE = 'alice@rrule.test';
const PW = 'correct horse battery staple 1';
const CAL = `/dav/calendars/${ALICE}/personal/`;

async function dav(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(h.base + path, {
    method,
    headers: { ...h.basic(ALICE, PW), ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

// 2026-12-04 is a Friday: no Sunday is ever 7 × n days later.
const series = (uid: string, rule: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20261204T100000Z',
    'DURATION:PT1H',
    `RRULE:${rule}`,
    'SUMMARY:Never again',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

const report = (filter: string) =>
  `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">${filter}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;

beforeAll(async () => {
  h = await WebHarness.start();
  await h.addUser(ALICE, PW);
});
afterAll(() => h.node.destroy());

const RULES = [
  'FREQ=DAILY;INTERVAL=7;BYDAY=SU',
  'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
  'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
  'FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4',
  'FREQ=DAILY;INTERVAL=14;BYDAY=MO;COUNT=10',
  'FREQ=DAILY;BYSETPOS=-1;BYDAY=MO;BYMONTH=2;BYMONTHDAY=30',
];

test.each(RULES.map((r, i) => [r, i]))('PUT %s is stored (201) within the step bound', async (rule, i) => {
  const before = recurrenceStepsTaken();
  const put = await dav('PUT', `${CAL}r${i}.ics`, series(`r${i}`, rule), { 'content-type': 'text/calendar' });
  // RFC 5545 §3.8.5.3: DTSTART is the first instance whatever the rule yields, so the object is
  // valid calendar data, not a CALDAV:valid-calendar-data refusal.
  expect(put.status).toBe(201);
  expect(recurrenceStepsTaken() - before).toBeLessThanOrEqual(DEFAULT_RECURRENCE_LIMITS.maxTotalSteps);
  const get = await dav('GET', `${CAL}r${i}.ics`);
  expect(get.status).toBe(200);
  expect(get.text).toContain(`RRULE:${rule}`);
});

test('calendar-query finds the one instance, not later ones; free-busy shows it; the node still serves', async () => {
  const before = recurrenceStepsTaken();
  const at = await dav(
    'REPORT',
    CAL,
    report('<c:time-range start="20261204T100000Z" end="20261204T103000Z"/>'),
    { depth: '1', 'content-type': 'application/xml' },
  );
  expect(at.status).toBe(207);
  expect(at.text).toContain('r0.ics');
  const later = await dav(
    'REPORT',
    CAL,
    report('<c:time-range start="20270101T000000Z" end="20300101T000000Z"/>'),
    { depth: '1', 'content-type': 'application/xml' },
  );
  expect(later.status).toBe(207);
  expect(later.text).not.toContain('r0.ics');
  const fb = await dav(
    'REPORT',
    CAL,
    '<?xml version="1.0"?><c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav"><c:time-range start="20261201T000000Z" end="20270601T000000Z"/></c:free-busy-query>',
    { depth: '1', 'content-type': 'application/xml' },
  );
  expect(fb.status).toBe(200);
  expect(fb.text).toContain('20261204T100000Z/20261204T110000Z');
  // Three reports over six objects: each expansion is bounded.
  const reports = 3 * RULES.length;
  expect(recurrenceStepsTaken() - before).toBeLessThanOrEqual(
    reports * DEFAULT_RECURRENCE_LIMITS.maxTotalSteps,
  );
  const next = await dav('PROPFIND', CAL, undefined, { depth: '0' });
  expect(next.status).toBe(207);
});
