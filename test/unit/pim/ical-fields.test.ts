import fc from 'fast-check';
import { extractCalendarFields, InvalidCalendarData } from '../../../core/pim/ical';
import { APPLE_WEEKLY, GOOGLE_DAILY, OUTLOOK_ALL_DAY, THUNDERBIRD_TODO, event, todo } from './ical-fixtures';

const HOUR = 3600_000;

function rejection(ics: string): InvalidCalendarData {
  try {
    extractCalendarFields(ics);
  } catch (err) {
    if (err instanceof InvalidCalendarData) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('extractCalendarFields', () => {
  test('Apple weekly series in Europe/Berlin: span from the first (CET) to the last (CEST) instance', () => {
    const f = extractCalendarFields(APPLE_WEEKLY);
    expect(f).toMatchObject({ uid: '7F1C2A8E-APPLE-WEEKLY', component: 'VEVENT' });
    expect(f.firstStart?.toISOString()).toBe('2026-03-16T08:00:00.000Z');
    // The sixth occurrence, 20 April 09:00–10:00 CEST.
    expect(f.lastEnd?.toISOString()).toBe('2026-04-20T08:00:00.000Z');
  });

  test('Google daily series in America/New_York across the DST end', () => {
    const f = extractCalendarFields(GOOGLE_DAILY);
    expect(f.firstStart?.toISOString()).toBe('2026-10-28T12:30:00.000Z');
    // 6 November 09:00 EST.
    expect(f.lastEnd?.toISOString()).toBe('2026-11-06T14:00:00.000Z');
  });

  test('all-day dates are floating: the span is widened by the extreme UTC offsets', () => {
    const f = extractCalendarFields(OUTLOOK_ALL_DAY);
    expect(f.firstStart?.getTime()).toBe(Date.UTC(2026, 4, 1) - 14 * HOUR);
    expect(f.lastEnd?.getTime()).toBe(Date.UTC(2026, 4, 3) + 14 * HOUR);
  });

  test('an unbounded series has no lastEnd; an UNTIL bounds it', () => {
    const open = extractCalendarFields(
      event(['DTSTART:20260101T100000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY']),
    );
    expect(open.firstStart?.toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(open.lastEnd).toBeNull();
    const until = extractCalendarFields(
      event(['DTSTART:20260101T100000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;UNTIL=20260110T100000Z']),
    );
    expect(until.lastEnd?.toISOString()).toBe('2026-01-10T11:00:00.000Z');
  });

  test('a series cut by the instance cap has no lastEnd (the SQL pre-filter stays conservative)', () => {
    const f = extractCalendarFields(event(['DTSTART:20260101T100000Z', 'RRULE:FREQ=MINUTELY;COUNT=100000']), {
      maxInstances: 100,
    });
    expect(f.lastEnd).toBeNull();
  });

  test('a VTODO with DTSTART and DUE; one without dates has no bounds', () => {
    const f = extractCalendarFields(THUNDERBIRD_TODO);
    expect(f.component).toBe('VTODO');
    expect(f.firstStart?.toISOString()).toBe('2026-05-10T07:00:00.000Z');
    expect(f.lastEnd?.toISOString()).toBe('2026-05-31T16:00:00.000Z');
    expect(extractCalendarFields(todo(['SUMMARY:someday']))).toMatchObject({
      firstStart: null,
      lastEnd: null,
    });
  });

  test('refuses what RFC 4791 §4.1 forbids, naming the precondition', () => {
    expect(rejection('not a calendar').precondition).toBe('valid-calendar-data');
    expect(rejection('').precondition).toBe('valid-calendar-data');
    expect(rejection(event(['DTSTART:20260101T100000Z'], 'METHOD:REQUEST')).reason).toMatch(/METHOD/);
    const mixed = event(['DTSTART:20260101T100000Z']).replace(
      'END:VCALENDAR',
      'BEGIN:VTODO\r\nUID:event-1\r\nEND:VTODO\r\nEND:VCALENDAR',
    );
    expect(rejection(mixed)).toMatchObject({ precondition: 'valid-calendar-object-resource' });
    const twoUids = APPLE_WEEKLY.replace(
      'UID:7F1C2A8E-APPLE-WEEKLY\r\nDTEND;TZID=Europe/Berlin:20260407',
      'UID:other\r\nDTEND;TZID=Europe/Berlin:20260407',
    );
    expect(rejection(twoUids).reason).toMatch(/UID/);
    expect(rejection(event(['DTSTART:20260101T100000Z']).replace('UID:event-1\r\n', '')).reason).toMatch(
      /UID/,
    );
    expect(rejection(event(['SUMMARY:no start'])).reason).toMatch(/DTSTART/);
    expect(
      rejection(event(['DTSTART:20260101T100000Z', 'DTEND:20260101T110000Z', 'DURATION:PT1H'])).reason,
    ).toMatch(/DURATION/);
    const freebusy = event([]).replace(/VEVENT/g, 'VFREEBUSY');
    expect(rejection(freebusy).precondition).toBe('supported-calendar-component');
    const twoMasters = APPLE_WEEKLY.replace('RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000\r\n', '');
    expect(rejection(twoMasters).reason).toMatch(/RECURRENCE-ID/);
    expect(rejection(event(['DTSTART:2026-bad'])).precondition).toBe('valid-calendar-data');
  });

  test('an invitation to one instance (overrides only, no master) is accepted', () => {
    const onlyOverride = event([
      'RECURRENCE-ID:20260105T100000Z',
      'DTSTART:20260106T100000Z',
      'DURATION:PT1H',
    ]);
    expect(extractCalendarFields(onlyOverride).firstStart?.toISOString()).toBe('2026-01-06T10:00:00.000Z');
  });
});

describe('extractCalendarFields on hostile input', () => {
  test('property: mangled real objects throw nothing but InvalidCalendarData', () => {
    const sources = [APPLE_WEEKLY, GOOGLE_DAILY, OUTLOOK_ALL_DAY, THUNDERBIRD_TODO];
    const mutation = fc.tuple(
      fc.nat(),
      fc.constantFrom(
        'RRULE:FREQ=',
        'DTSTART:',
        'DURATION:P',
        'TZID=',
        'BEGIN:VEVENT',
        'END:',
        ';',
        ':',
        '\r\n',
        'UNTIL=2',
        'X',
        '',
      ),
      fc.nat({ max: 20 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...sources),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (source, edits) => {
          let text = source;
          for (const [at, insert, cut] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + cut);
          }
          try {
            extractCalendarFields(text, { maxInstances: 200 });
          } catch (err) {
            if (!(err instanceof InvalidCalendarData)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
