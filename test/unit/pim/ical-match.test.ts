import { matchesCalendarQuery } from '../../../core/pim/ical';
import {
  APPLE_WEEKLY,
  BERLIN_VTIMEZONE,
  GOOGLE_DAILY,
  OUTLOOK_ALL_DAY,
  THUNDERBIRD_TODO,
  event,
  todo,
} from './ical-fixtures';
import { inCalendar, query, timeRange } from './ical-query-helpers';

const inRange = (ics: string, component: string, start?: string, end?: string, extra = '') =>
  matchesCalendarQuery(query(inCalendar(component, timeRange(start, end)), extra), ics);

describe('matchesCalendarQuery: VEVENT time-range (RFC 4791 §9.9)', () => {
  const timed = event(['DTSTART:20260301T100000Z', 'DTEND:20260301T110000Z']);
  test.each([
    ['20260301T090000Z', '20260301T100000Z', false], // ends where the event starts
    ['20260301T090000Z', '20260301T100001Z', true],
    ['20260301T110000Z', '20260301T120000Z', false], // starts where the event ends
    ['20260301T105959Z', undefined, true],
    [undefined, '20260301T100000Z', false],
  ])('DTEND: [%s, %s) → %s', (s, e, expected) => {
    expect(inRange(timed, 'VEVENT', s, e)).toBe(expected);
  });

  test('DURATION, zero DURATION and no end: an instant matches start <= DTSTART < end', () => {
    const withDuration = event(['DTSTART:20260301T100000Z', 'DURATION:PT30M']);
    expect(inRange(withDuration, 'VEVENT', '20260301T102959Z', '20260301T110000Z')).toBe(true);
    expect(inRange(withDuration, 'VEVENT', '20260301T103000Z', '20260301T110000Z')).toBe(false);
    for (const instant of [
      event(['DTSTART:20260301T100000Z', 'DURATION:PT0S']),
      event(['DTSTART:20260301T100000Z']),
    ]) {
      expect(inRange(instant, 'VEVENT', '20260301T100000Z', '20260301T100001Z')).toBe(true);
      expect(inRange(instant, 'VEVENT', '20260301T090000Z', '20260301T100000Z')).toBe(false);
    }
  });

  test('all-day DATE events are floating: read in CALDAV:timezone (Berlin) or UTC', () => {
    // 1–2 May (DTEND 3 May exclusive). In Berlin the days start at 22:00Z the day before.
    expect(inRange(OUTLOOK_ALL_DAY, 'VEVENT', '20260430T220000Z', '20260430T230000Z')).toBe(false);
    const tz = `<C:timezone>BEGIN:VCALENDAR\n${BERLIN_VTIMEZONE}\nEND:VCALENDAR</C:timezone>`;
    expect(inRange(OUTLOOK_ALL_DAY, 'VEVENT', '20260430T220000Z', '20260430T230000Z', tz)).toBe(true);
    expect(inRange(OUTLOOK_ALL_DAY, 'VEVENT', '20260502T230000Z', '20260503T000000Z')).toBe(true);
    expect(inRange(OUTLOOK_ALL_DAY, 'VEVENT', '20260502T230000Z', '20260503T000000Z', tz)).toBe(false);
    const noEnd = event(['DTSTART;VALUE=DATE:20260501']);
    expect(inRange(noEnd, 'VEVENT', '20260501T235959Z', '20260502T000000Z')).toBe(true);
    expect(inRange(noEnd, 'VEVENT', '20260502T000000Z', '20260503T000000Z')).toBe(false);
  });

  test('floating DATE-TIME read in the collection time zone when the query has none', () => {
    const floating = event(['DTSTART:20260601T090000', 'DTEND:20260601T100000']);
    const calendarTimezone = `BEGIN:VCALENDAR\r\n${BERLIN_VTIMEZONE.replace(/\n/g, '\r\n')}\r\nEND:VCALENDAR\r\n`;
    const q = query(inCalendar('VEVENT', timeRange('20260601T070000Z', '20260601T080000Z')));
    expect(matchesCalendarQuery(q, floating)).toBe(false);
    expect(matchesCalendarQuery(q, floating, { timezone: calendarTimezone })).toBe(true);
  });

  test('Apple weekly series: DST shift, EXDATE, moved override', () => {
    // 23 March 09:00 CET = 08:00Z; 13 April 09:00 CEST = 07:00Z.
    expect(inRange(APPLE_WEEKLY, 'VEVENT', '20260323T080000Z', '20260323T080100Z')).toBe(true);
    expect(inRange(APPLE_WEEKLY, 'VEVENT', '20260413T070000Z', '20260413T070100Z')).toBe(true);
    expect(inRange(APPLE_WEEKLY, 'VEVENT', '20260413T080000Z', '20260413T090000Z')).toBe(false);
    // 30 March is excluded.
    expect(inRange(APPLE_WEEKLY, 'VEVENT', '20260330T000000Z', '20260331T000000Z')).toBe(false);
    // 6 April moved to 7 April 14:00 CEST.
    expect(inRange(APPLE_WEEKLY, 'VEVENT', '20260406T000000Z', '20260407T000000Z')).toBe(false);
    expect(inRange(APPLE_WEEKLY, 'VEVENT', '20260407T120000Z', '20260407T123000Z')).toBe(true);
    // COUNT=6 ends on 20 April.
    expect(inRange(APPLE_WEEKLY, 'VEVENT', '20260427T000000Z', '20260428T000000Z')).toBe(false);
    expect(inRange(APPLE_WEEKLY, 'VEVENT', '20260427T000000Z')).toBe(false);
  });

  test('prop-filters evaluate each instance: the override has its own SUMMARY', () => {
    const moved = `${timeRange('20260406T000000Z', '20260408T000000Z')}<C:prop-filter name="SUMMARY"><C:text-match>MOVED</C:text-match></C:prop-filter>`;
    expect(matchesCalendarQuery(query(inCalendar('VEVENT', moved)), APPLE_WEEKLY)).toBe(true);
    const other = `${timeRange('20260413T000000Z', '20260414T000000Z')}<C:prop-filter name="SUMMARY"><C:text-match>moved</C:text-match></C:prop-filter>`;
    expect(matchesCalendarQuery(query(inCalendar('VEVENT', other)), APPLE_WEEKLY)).toBe(false);
  });

  test('Google daily series in New York: 08:30 is 12:30Z before and 13:30Z after the DST end', () => {
    expect(inRange(GOOGLE_DAILY, 'VEVENT', '20261031T123000Z', '20261031T124500Z')).toBe(true);
    expect(inRange(GOOGLE_DAILY, 'VEVENT', '20261101T123000Z', '20261101T124500Z')).toBe(false);
    expect(inRange(GOOGLE_DAILY, 'VEVENT', '20261101T133000Z', '20261101T134500Z')).toBe(true);
  });

  test('a hostile RRULE is bounded by the instance cap', () => {
    const hostile = event(['DTSTART:20000101T000000Z', 'RRULE:FREQ=SECONDLY']);
    const q = query(inCalendar('VEVENT', timeRange('20300101T000000Z', '20300102T000000Z')));
    expect(matchesCalendarQuery(q, hostile, { maxInstances: 1000 })).toBe(false);
    expect(inRange(hostile, 'VEVENT', '20000101T000010Z', '20000101T000011Z')).toBe(true);
  });
});

describe('matchesCalendarQuery: VTODO table (RFC 4791 §9.9)', () => {
  const rows: [string, string[], string, string, boolean][] = [
    [
      'DTSTART+DURATION',
      ['DTSTART:20260301T100000Z', 'DURATION:PT2H'],
      '20260301T120000Z',
      '20260301T130000Z',
      true,
    ],
    [
      'DTSTART+DURATION, after',
      ['DTSTART:20260301T100000Z', 'DURATION:PT2H'],
      '20260301T120001Z',
      '20260301T130000Z',
      false,
    ],
    [
      'DTSTART+DUE',
      ['DTSTART:20260301T100000Z', 'DUE:20260302T100000Z'],
      '20260302T095959Z',
      '20260303T000000Z',
      true,
    ],
    [
      'DTSTART+DUE, at DUE',
      ['DTSTART:20260301T100000Z', 'DUE:20260302T100000Z'],
      '20260302T100000Z',
      '20260303T000000Z',
      false,
    ],
    ['DTSTART only', ['DTSTART:20260301T100000Z'], '20260301T100000Z', '20260301T100001Z', true],
    ['DTSTART only, before', ['DTSTART:20260301T100000Z'], '20260301T090000Z', '20260301T100000Z', false],
    ['DUE only: end >= DUE', ['DUE:20260301T100000Z'], '20260301T090000Z', '20260301T100000Z', true],
    ['DUE only: start < DUE', ['DUE:20260301T100000Z'], '20260301T100000Z', '20260301T110000Z', false],
    [
      'COMPLETED+CREATED, inside',
      ['CREATED:20260101T000000Z', 'COMPLETED:20260201T000000Z'],
      '20260115T000000Z',
      '20260116T000000Z',
      true,
    ],
    [
      'COMPLETED+CREATED, after',
      ['CREATED:20260101T000000Z', 'COMPLETED:20260201T000000Z'],
      '20260202T000000Z',
      '20260203T000000Z',
      false,
    ],
    [
      'COMPLETED+CREATED, spans',
      ['CREATED:20260101T000000Z', 'COMPLETED:20260201T000000Z'],
      '20251231T000000Z',
      '20260101T000000Z',
      true,
    ],
    ['COMPLETED only', ['COMPLETED:20260201T000000Z'], '20260201T000000Z', '20260202T000000Z', true],
    ['COMPLETED only, before', ['COMPLETED:20260201T000000Z'], '20260130T000000Z', '20260131T000000Z', false],
    [
      'CREATED only: end > CREATED',
      ['CREATED:20260101T000000Z'],
      '20260201T000000Z',
      '20260202T000000Z',
      true,
    ],
    [
      'CREATED only, ends before',
      ['CREATED:20260101T000000Z'],
      '20251201T000000Z',
      '20260101T000000Z',
      false,
    ],
    ['no dates: always', ['SUMMARY:x'], '19990101T000000Z', '19990102T000000Z', true],
  ];
  test.each(rows)('%s', (_name, lines, s, e, expected) => {
    expect(inRange(todo(lines), 'VTODO', s, e)).toBe(expected);
  });

  test('Thunderbird task with an alarm one day before DUE (VALARM time-range)', () => {
    expect(inRange(THUNDERBIRD_TODO, 'VTODO', '20260520T000000Z', '20260521T000000Z')).toBe(true);
    const alarm = (s: string, e: string) =>
      matchesCalendarQuery(
        query(inCalendar('VTODO', `<C:comp-filter name="VALARM">${timeRange(s, e)}</C:comp-filter>`)),
        THUNDERBIRD_TODO,
      );
    // DUE 31 May 18:00 CEST = 16:00Z; the alarm at 30 May 16:00Z.
    expect(alarm('20260530T160000Z', '20260530T160001Z')).toBe(true);
    expect(alarm('20260531T160000Z', '20260531T170000Z')).toBe(false);
  });
});

describe('matchesCalendarQuery: other filters', () => {
  test('VALARM of a recurring event triggers per instance', () => {
    const alarm = (s: string, e: string) =>
      matchesCalendarQuery(
        query(inCalendar('VEVENT', `<C:comp-filter name="VALARM">${timeRange(s, e)}</C:comp-filter>`)),
        APPLE_WEEKLY,
      );
    // 13 April 09:00 CEST less 15 minutes.
    expect(alarm('20260413T064500Z', '20260413T064600Z')).toBe(true);
    expect(alarm('20260413T070000Z', '20260413T080000Z')).toBe(false);
  });

  test('VFREEBUSY: DTSTART/DTEND, or its FREEBUSY periods', () => {
    const fb = event([])
      .replace(/VEVENT/g, 'VFREEBUSY')
      .replace('DTSTAMP', 'FREEBUSY:20260301T100000Z/PT1H\r\nDTSTAMP');
    expect(inRange(fb, 'VFREEBUSY', '20260301T105959Z', '20260301T120000Z')).toBe(true);
    expect(inRange(fb, 'VFREEBUSY', '20260301T110000Z', '20260301T120000Z')).toBe(false);
  });

  test('param-filter, is-not-defined, collations and negate-condition', () => {
    const filter = (inner: string) => matchesCalendarQuery(query(inCalendar('VEVENT', inner)), GOOGLE_DAILY);
    expect(
      filter(
        '<C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:text-match>needs-action</C:text-match></C:param-filter></C:prop-filter>',
      ),
    ).toBe(true);
    expect(
      filter(
        '<C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:text-match collation="i;octet">needs-action</C:text-match></C:param-filter></C:prop-filter>',
      ),
    ).toBe(false);
    expect(
      filter(
        '<C:prop-filter name="ATTENDEE"><C:param-filter name="DELEGATED-TO"><C:is-not-defined/></C:param-filter></C:prop-filter>',
      ),
    ).toBe(true);
    expect(filter('<C:prop-filter name="LOCATION"><C:is-not-defined/></C:prop-filter>')).toBe(true);
    expect(filter('<C:prop-filter name="SUMMARY"><C:is-not-defined/></C:prop-filter>')).toBe(false);
    expect(
      filter(
        '<C:prop-filter name="SUMMARY"><C:text-match negate-condition="yes">stand</C:text-match></C:prop-filter>',
      ),
    ).toBe(false);
    expect(filter('<C:prop-filter name="UID"><C:text-match>GOOGLE.COM</C:text-match></C:prop-filter>')).toBe(
      true,
    );
    expect(matchesCalendarQuery(query(inCalendar('VTODO')), GOOGLE_DAILY)).toBe(false);
    expect(matchesCalendarQuery(query(inCalendar('VTODO', '<C:is-not-defined/>')), GOOGLE_DAILY)).toBe(true);
  });

  test('prop-filter time-range on DTSTART of an instance', () => {
    const q = query(
      inCalendar(
        'VEVENT',
        `<C:prop-filter name="DTSTART">${timeRange('20261103T133000Z', '20261103T133001Z')}</C:prop-filter>`,
      ),
    );
    expect(matchesCalendarQuery(q, GOOGLE_DAILY)).toBe(true);
  });
});
