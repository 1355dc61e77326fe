import { calendarDataFor, freeBusy, parseCalendarDataRequest } from '../../../core/pim/ical';
import { APPLE_WEEKLY, GOOGLE_DAILY, OUTLOOK_ALL_DAY, OUTLOOK_OOF, event } from './ical-fixtures';
import { reportElement } from './ical-query-helpers';

const request = (inner: string) =>
  parseCalendarDataRequest(
    reportElement(`<C:calendar-data xmlns:C="urn:ietf:params:xml:ns:caldav">${inner}</C:calendar-data>`),
  );
const unfold = (ics: string) => ics.replace(/\r\n[ \t]/g, '');
const lines = (ics: string, prefix: string) =>
  unfold(ics)
    .split('\r\n')
    .filter((l) => l.startsWith(prefix));

describe('calendarDataFor', () => {
  test('expand: the instances in the range, in UTC, with RECURRENCE-ID and no rule or VTIMEZONE (§9.6.5)', () => {
    const out = calendarDataFor(
      request('<C:expand start="20260320T000000Z" end="20260410T000000Z"/>'),
      APPLE_WEEKLY,
    );
    expect(out).not.toMatch(/RRULE|EXDATE|VTIMEZONE|TZID/);
    expect(lines(out, 'DTSTART')).toEqual(['DTSTART:20260323T080000Z', 'DTSTART:20260407T120000Z']);
    expect(lines(out, 'RECURRENCE-ID')).toEqual([
      'RECURRENCE-ID:20260323T080000Z',
      'RECURRENCE-ID:20260406T070000Z',
    ]);
    expect(lines(out, 'SUMMARY')).toEqual(['SUMMARY:Team sync', 'SUMMARY:Team sync (moved)']);
    expect(lines(out, 'UID')).toEqual(['UID:7F1C2A8E-APPLE-WEEKLY', 'UID:7F1C2A8E-APPLE-WEEKLY']);
  });

  test('expand across the New York DST end: 12:30Z then 13:30Z', () => {
    const out = calendarDataFor(
      request('<C:expand start="20261031T000000Z" end="20261102T000000Z"/>'),
      GOOGLE_DAILY,
    );
    expect(lines(out, 'DTSTART')).toEqual(['DTSTART:20261031T123000Z', 'DTSTART:20261101T133000Z']);
    expect(lines(out, 'DTEND')).toEqual(['DTEND:20261031T130000Z', 'DTEND:20261101T140000Z']);
  });

  test('expand keeps all-day DATE values', () => {
    const out = calendarDataFor(
      request('<C:expand start="20260401T000000Z" end="20260601T000000Z"/>'),
      OUTLOOK_ALL_DAY,
    );
    expect(lines(out, 'DTSTART')).toEqual(['DTSTART;VALUE=DATE:20260501']);
  });

  test('limit-recurrence-set keeps the master and the overrides that touch the range', () => {
    const outside = calendarDataFor(
      request('<C:limit-recurrence-set start="20260301T000000Z" end="20260401T000000Z"/>'),
      APPLE_WEEKLY,
    );
    expect(lines(outside, 'RECURRENCE-ID')).toEqual([]);
    expect(outside).toMatch(/RRULE:FREQ=WEEKLY;COUNT=6/);
    const inside = calendarDataFor(
      request('<C:limit-recurrence-set start="20260407T000000Z" end="20260408T000000Z"/>'),
      APPLE_WEEKLY,
    );
    expect(lines(inside, 'RECURRENCE-ID')).toHaveLength(1);
  });

  test('comp/prop selection, novalue', () => {
    const out = calendarDataFor(
      request(
        '<C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT"><C:prop name="SUMMARY"/><C:prop name="UID" novalue="yes"/></C:comp></C:comp>',
      ),
      GOOGLE_DAILY,
    );
    expect(unfold(out).split('\r\n').filter(Boolean)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'SUMMARY:Standup',
      'UID:',
      'END:VEVENT',
      'END:VCALENDAR',
    ]);
  });

  test('no request: the object as stored', () => {
    expect(calendarDataFor(null, GOOGLE_DAILY)).toBe(GOOGLE_DAILY);
  });

  test('limit-freebusy-set drops periods outside the range', () => {
    const fb = event([])
      .replace(/VEVENT/g, 'VFREEBUSY')
      .replace('DTSTAMP', 'FREEBUSY:20260301T100000Z/PT1H,20260305T100000Z/PT1H\r\nDTSTAMP');
    const out = calendarDataFor(
      request('<C:limit-freebusy-set start="20260304T000000Z" end="20260306T000000Z"/>'),
      fb,
    );
    expect(lines(out, 'FREEBUSY')).toEqual(['FREEBUSY:20260305T100000Z/PT1H']);
  });
});

describe('freeBusy', () => {
  const range = { start: new Date('2026-10-30T00:00:00Z'), end: new Date('2026-11-02T00:00:00Z') };
  test('busy instances of a recurring event, clipped and merged; transparent and cancelled excluded', () => {
    const overlapping = event(['DTSTART:20261101T134500Z', 'DTEND:20261101T150000Z']);
    const transparent = event(['DTSTART:20261031T000000Z', 'DTEND:20261031T230000Z', 'TRANSP:TRANSPARENT']);
    const cancelled = event(['DTSTART:20261030T000000Z', 'DTEND:20261030T230000Z', 'STATUS:CANCELLED']);
    const tentative = event(['DTSTART:20261029T230000Z', 'DTEND:20261030T010000Z', 'STATUS:TENTATIVE']);
    const out = freeBusy([GOOGLE_DAILY, overlapping, transparent, cancelled, tentative, 'garbage'], range, {
      now: new Date('2026-10-01T00:00:00Z'),
    });
    expect(lines(out, 'FREEBUSY')).toEqual([
      'FREEBUSY;FBTYPE=BUSY:20261030T123000Z/20261030T130000Z',
      'FREEBUSY;FBTYPE=BUSY:20261031T123000Z/20261031T130000Z',
      'FREEBUSY;FBTYPE=BUSY:20261101T133000Z/20261101T150000Z',
      'FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261030T000000Z/20261030T010000Z',
    ]);
    expect(lines(out, 'DTSTART')).toEqual(['DTSTART:20261030T000000Z']);
    expect(lines(out, 'DTSTAMP')).toEqual(['DTSTAMP:20261001T000000Z']);
  });

  test("Outlook's out-of-office is BUSY-UNAVAILABLE; a transparent all-day event is free", () => {
    const may = { start: new Date('2026-05-01T00:00:00Z'), end: new Date('2026-05-08T00:00:00Z') };
    expect(lines(freeBusy([OUTLOOK_OOF, OUTLOOK_ALL_DAY], may), 'FREEBUSY')).toEqual([
      'FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20260504T110000Z/20260504T150000Z',
    ]);
  });
});
