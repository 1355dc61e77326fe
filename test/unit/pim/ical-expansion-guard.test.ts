/**
 * Issue #16: recurrence rules that never (or hardly ever) match must not hang expansion. ical.js
 * loops inside a single RecurIterator.next() for them, so the bound is on its internal steps;
 * these tests count steps (recurrenceStepsTaken) instead of timing anything.
 */
import fc from 'fast-check';
import { extractCalendarFields, freeBusy, matchesCalendarQuery } from '../../../core/pim/ical';
import ICAL from '../../../core/pim/ical/ical-lib';
import { expandInstances } from '../../../core/pim/ical/instances';
import { parseCalendarObject } from '../../../core/pim/ical/parse-calendar';
import { DEFAULT_RECURRENCE_LIMITS } from '../../../core/pim/ical/recurrence-guard';
import { recurrenceStepsTaken } from '../../../core/pim/ical/recurrence-steps';
import { occurrenceComponent } from '../../../core/eas/send/meeting-instance';
import { event } from './ical-fixtures';
import { inCalendar, query, timeRange } from './ical-query-helpers';

// 2026-12-04 is a Friday.
const FRIDAY = 'DTSTART:20261204T100000Z';
const series = (rule: string, start = FRIDAY) => event([start, 'DURATION:PT1H', `RRULE:${rule}`]);
const { maxTotalSteps } = DEFAULT_RECURRENCE_LIMITS;

function stepsOf(fn: () => void): number {
  const before = recurrenceStepsTaken();
  fn();
  return recurrenceStepsTaken() - before;
}

function expand(ics: string) {
  const parsed = parseCalendarObject(ics);
  return expandInstances(parsed.master, parsed.overrides, { floatingZone: null });
}

describe('rules that never match end the expansion within the step bound', () => {
  test.each([
    'FREQ=DAILY;INTERVAL=7;BYDAY=SU',
    'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
    'FREQ=HOURLY;INTERVAL=168;BYDAY=MO',
    'FREQ=MINUTELY;INTERVAL=1440;BYHOUR=9',
  ])('%s: DTSTART is the only instance, the rule is step-limited', (rule) => {
    let result: ReturnType<typeof expand> | null = null;
    const steps = stepsOf(() => (result = expand(series(rule))));
    expect(steps).toBeLessThanOrEqual(maxTotalSteps);
    expect(result!.stepLimited).toBe(true);
    expect(result!.complete).toBe(true);
    expect(result!.instances.map((i) => i.start?.toString())).toEqual(['2026-12-04T10:00:00Z']);
  });

  test.each([
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
    'FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4',
    'FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2;COUNT=3',
    'FREQ=DAILY;BYSETPOS=2',
    'FREQ=DAILY;BYSETPOS=-1;BYDAY=MO',
    'FREQ=DAILY;BYSETPOS=3;BYMONTH=2;BYMONTHDAY=31',
    'FREQ=YEARLY;BYMONTH=2;BYDAY=5MO',
  ])('%s finishes within the bound (ical.js stops MONTHLY/YEARLY itself)', (rule) => {
    let result: ReturnType<typeof expand> | null = null;
    const steps = stepsOf(() => (result = expand(series(rule))));
    expect(steps).toBeLessThanOrEqual(maxTotalSteps);
    expect(result!.instances.length).toBeGreaterThanOrEqual(1);
  });

  test('a sparse rule that does match (29 February, daily) is not cut by the gap bound', () => {
    const { instances, stepLimited } = expandInstances(
      parseCalendarObject(series('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;COUNT=3', 'DTSTART:20260301T100000Z'))
        .master,
      [],
      { floatingZone: null },
    );
    expect(stepLimited).toBe(false);
    expect(instances.map((i) => i.start?.toString())).toEqual([
      '2026-03-01T10:00:00Z', // DTSTART always counts (RFC 5545 §3.8.5.3)
      '2028-02-29T10:00:00Z',
      '2032-02-29T10:00:00Z',
    ]);
  });

  test('several RRULEs that never match share one total bound', () => {
    const rules = ['SU', 'MO', 'TU', 'WE', 'TH', 'SA', 'SU'].map(
      (d, i) => `RRULE:FREQ=DAILY;INTERVAL=${7 * (i + 1)};BYDAY=${d}`,
    );
    let result: ReturnType<typeof expand> | null = null;
    const steps = stepsOf(() => (result = expand(event([FRIDAY, 'DURATION:PT1H', ...rules]))));
    // Seven rules of up to maxGapSteps each would be 28,000 steps alone.
    expect(steps).toBeLessThanOrEqual(maxTotalSteps);
    expect(result!.stepLimited).toBe(true);
    // ical.js gives DTSTART once per RRULE (its own quirk, unchanged here): one distinct start.
    expect(new Set(result!.instances.map((i) => i.start?.toString()))).toEqual(
      new Set(['2026-12-04T10:00:00Z']),
    );
  });

  test('an ical.js iterator driven directly is bounded too (the guard is process-wide)', () => {
    const it = ICAL.Recur.fromString('FREQ=DAILY;INTERVAL=7;BYDAY=SU').iterator(
      ICAL.Time.fromDateTimeString('2026-12-04T10:00:00Z'),
    );
    const seen: unknown[] = [];
    const steps = stepsOf(() => {
      for (let i = 0; i < 3; i++) seen.push(it.next());
    });
    expect(seen.slice(1)).toEqual([null, null]);
    expect(steps).toBeLessThanOrEqual(maxTotalSteps);
  });
});

describe('PUT fields, query, free-busy and MeetingResponse with a rule that never matches', () => {
  const hostile = series('FREQ=DAILY;INTERVAL=7;BYDAY=SU');

  test('the object is valid; its span ends with its only instance (not open-ended)', () => {
    const fields = extractCalendarFields(hostile);
    expect(fields.firstStart?.toISOString()).toBe('2026-12-04T10:00:00.000Z');
    expect(fields.lastEnd?.toISOString()).toBe('2026-12-04T11:00:00.000Z');
  });

  test('a bounded series cut by the step bound also ends at its last instance', () => {
    const fields = extractCalendarFields(series('FREQ=DAILY;INTERVAL=14;BYDAY=MO;COUNT=10'));
    expect(fields.lastEnd?.toISOString()).toBe('2026-12-04T11:00:00.000Z');
  });

  test('calendar-query time-range answers for DTSTART and not after', () => {
    const at = query(inCalendar('VEVENT', timeRange('20261204T100000Z', '20261204T103000Z')));
    const later = query(inCalendar('VEVENT', timeRange('20270101T000000Z', '20280101T000000Z')));
    expect(matchesCalendarQuery(at, hostile)).toBe(true);
    expect(matchesCalendarQuery(later, hostile)).toBe(false);
  });

  test('free-busy shows the one busy hour', () => {
    const fb = freeBusy([hostile], {
      start: new Date('2026-12-01T00:00:00Z'),
      end: new Date('2027-12-01T00:00:00Z'),
    });
    expect(fb).toContain('FREEBUSY;FBTYPE=BUSY:20261204T100000Z/20261204T110000Z');
    expect(fb.match(/FREEBUSY;/g)).toHaveLength(1);
  });

  test('MeetingResponse for a later instance finds none instead of hanging', () => {
    const vcalendar = new ICAL.Component(ICAL.parse(hostile));
    expect(occurrenceComponent(vcalendar, new Date('2027-01-03T10:00:00Z'))).toBeNull();
    expect(occurrenceComponent(vcalendar, new Date('2026-12-04T10:00:00Z'))).not.toBeNull();
  });
});

describe('property: any RRULE from the grammar completes PUT + query in bounded steps', () => {
  const days = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
  const part = fc.oneof(
    fc.integer({ min: 1, max: 400 }).map((n) => `INTERVAL=${n}`),
    fc
      .uniqueArray(fc.tuple(fc.constantFrom('', '1', '-1', '2', '5', '-5'), fc.constantFrom(...days)), {
        minLength: 1,
        maxLength: 3,
        selector: ([, d]) => d,
      })
      .map((l) => `BYDAY=${l.map(([n, d]) => n + d).join(',')}`),
    fc
      .uniqueArray(fc.constantFrom(1, 15, 28, 29, 30, 31, -1, -31), { minLength: 1, maxLength: 3 })
      .map((l) => `BYMONTHDAY=${l.join(',')}`),
    fc
      .uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 })
      .map((l) => `BYMONTH=${l.join(',')}`),
    fc.constantFrom(1, 2, 3, -1, -2, 366).map((n) => `BYSETPOS=${n}`),
    fc.integer({ min: 1, max: 50 }).map((n) => `COUNT=${n}`),
    fc.constantFrom('20271231T000000Z', '20261204T090000Z', '21000101T000000Z').map((u) => `UNTIL=${u}`),
  );
  const rule = fc
    .tuple(
      fc.constantFrom('SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
      fc.uniqueArray(part, { maxLength: 4, selector: (p) => p.split('=')[0] }),
    )
    .filter(
      ([, parts]) => !(parts.some((p) => p.startsWith('COUNT')) && parts.some((p) => p.startsWith('UNTIL'))),
    )
    .map(([freq, parts]) => [`FREQ=${freq}`, ...parts].join(';'));
  const q = query(inCalendar('VEVENT', timeRange('20270101T000000Z', '20290101T000000Z')));

  test('extractCalendarFields and a time-range query finish, each within the step bound', () => {
    fc.assert(
      fc.property(rule, fc.constantFrom(FRIDAY, 'DTSTART:20240229T230000Z'), (r, start) => {
        const ics = series(r, start);
        const putSteps = stepsOf(() => {
          try {
            extractCalendarFields(ics, { maxInstances: 200 });
          } catch (err) {
            // A rule ical.js refuses outright is a 403 valid-calendar-data, never a hang.
            expect((err as Error).name).toBe('InvalidCalendarData');
          }
        });
        const querySteps = stepsOf(() => {
          matchesCalendarQuery(q, ics, { maxInstances: 200 });
        });
        expect(putSteps).toBeLessThanOrEqual(maxTotalSteps);
        expect(querySteps).toBeLessThanOrEqual(maxTotalSteps);
      }),
      { numRuns: 60 },
    );
  });
});
