/**
 * Calendar class ↔ iCalendar (core/eas/pim/calendar-*.ts): a weekly meeting with a moved and a
 * deleted instance, attendees and a TZID survives VEVENT → ApplicationData → VEVENT; all-day
 * events; 16.x forms (InstanceId, airsyncbase:Location); Change semantics (absent fields removed,
 * Body kept, ghosted fields kept, unknown properties kept); device input never breaks the store.
 */
import fc from 'fast-check';
import {
  applicationDataToEvent,
  eventToApplicationData,
  type CalendarRenderContext,
} from '../../../core/eas/pim/calendar-convert';
import { compactDate } from '../../../core/eas/pim/eas-values';
import { decodeTimeZone } from '../../../core/eas/pim/timezone-blob';
import { child, el, type EasElement } from '../../../core/eas/wbxml/tree';
import { extractCalendarFields } from '../../../core/pim/ical';
import type { IcalTime } from '../../../core/pim/ical/ical-lib';
import { expandInstances } from '../../../core/pim/ical/instances';
import { parseCalendarObject } from '../../../core/pim/ical/parse-calendar';
import { ALL_DAY, WEEKLY_MEETING } from './pim-fixtures';

const CTX: CalendarRenderContext = {
  version: '14.1',
  bodyPreferences: [{ type: 1 }],
  selfAddress: 'alice@example.org',
};
const IMPORT = { version: '14.1' as const, selfAddress: 'alice@example.org' };

const text = (node: EasElement | undefined, ...path: string[]) => {
  let n = node;
  for (const p of path) n = child(n, p);
  return n?.text;
};

/** The instances of an object as [start, end, summary] in UTC ISO form. */
function instancesOf(ics: string): [string, string, string][] {
  const parsed = parseCalendarObject(ics);
  const { instances } = expandInstances(parsed.master, parsed.overrides, { floatingZone: null });
  return instances
    .map((i): [string, string, string] => [
      (i.start as IcalTime).toJSDate().toISOString(),
      (i.end as IcalTime).toJSDate().toISOString(),
      String(i.component.getFirstPropertyValue('summary')),
    ])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

describe('VEVENT → ApplicationData', () => {
  const data = eventToApplicationData(WEEKLY_MEETING, CTX)!;

  it('gives UTC times, the zone blob, recurrence, exceptions and attendees', () => {
    expect(text(data, 'StartTime')).toBe('20261102T080000Z');
    expect(text(data, 'EndTime')).toBe('20261102T090000Z');
    expect(text(data, 'Subject')).toBe('Team sync');
    expect(text(data, 'Location')).toBe('Room 4');
    expect(text(data, 'Sensitivity')).toBe('2');
    expect(text(data, 'Reminder')).toBe('15');
    expect(text(data, 'MeetingStatus')).toBe('1');
    expect(text(data, 'OrganizerEmail')).toBe('alice@example.org');
    expect(text(data, 'Body', 'Data')).toBe('Agenda:\n1. news');
    expect(text(data, 'Recurrence', 'Type')).toBe('1');
    expect(text(data, 'Recurrence', 'DayOfWeek')).toBe(String(2 | 8));
    expect(text(data, 'Recurrence', 'Occurrences')).toBe('10');
    const blob = Buffer.from(text(data, 'TimeZone')!, 'base64');
    expect(blob.length).toBe(172);
    expect(blob.readInt32LE(0)).toBe(-60);
    expect(blob.readInt32LE(168)).toBe(-60);
    // DaylightDate: March, last (5) Sunday (0) at 02:00.
    expect([2, 4, 6, 8].map((o) => blob.readUInt16LE(152 + o))).toEqual([3, 0, 5, 2]);
    const exceptions = child(data, 'Exceptions')!.children;
    expect(exceptions.map((e) => [text(e, 'ExceptionStartTime'), text(e, 'Deleted') ?? null])).toEqual([
      ['20261109T080000Z', '1'],
      ['20261104T080000Z', null],
    ]);
    expect(text(exceptions[1], 'StartTime')).toBe('20261104T130000Z');
    expect(text(exceptions[1], 'Subject')).toBe('Team sync (moved)');
    const attendees = child(data, 'Attendees')!.children;
    expect(
      attendees.map((a) => [text(a, 'Email'), text(a, 'AttendeeStatus'), text(a, 'AttendeeType')]),
    ).toEqual([
      ['bob@example.org', '3', '1'],
      ['carol@example.org', '2', '2'],
    ]);
  });

  it('answers a received meeting with MeetingStatus 3 and the user’s response', () => {
    const bob = eventToApplicationData(WEEKLY_MEETING, { ...CTX, selfAddress: 'bob@example.org' })!;
    expect([text(bob, 'MeetingStatus'), text(bob, 'ResponseType')]).toEqual(['3', '3']);
  });

  it('uses InstanceId and airsyncbase:Location in 16.x', () => {
    const v16 = eventToApplicationData(WEEKLY_MEETING, { ...CTX, version: '16.1' })!;
    const loc = v16.children.find((c) => c.name === 'Location')!;
    expect([loc.page, text(loc, 'DisplayName')]).toEqual([17, 'Room 4']);
    const e = child(v16, 'Exceptions')!.children[0];
    expect(e.children.find((c) => c.name === 'InstanceId')?.text).toBe('20261109T080000Z');
    expect(child(e, 'ExceptionStartTime')).toBeUndefined();
  });

  it('renders all-day events at midnight with AllDayEvent', () => {
    const d = eventToApplicationData(ALL_DAY, CTX)!;
    expect([text(d, 'AllDayEvent'), text(d, 'StartTime'), text(d, 'EndTime'), text(d, 'BusyStatus')]).toEqual(
      ['1', '20261224T000000Z', '20261226T000000Z', '0'],
    );
  });
});

describe('round trip VEVENT → ApplicationData → VEVENT', () => {
  it('keeps every instance, the moved one, the deleted one, attendees and the zone', () => {
    const data = eventToApplicationData(WEEKLY_MEETING, CTX)!;
    const ics = applicationDataToEvent(data, null, IMPORT);
    extractCalendarFields(ics);
    expect(instancesOf(ics)).toEqual(instancesOf(WEEKLY_MEETING));
    expect(instancesOf(ics)).toHaveLength(9);
    expect(ics).toContain('DTSTART;TZID=Europe/Berlin:20261102T090000');
    expect(ics).toContain('EXDATE;TZID=Europe/Berlin:20261109T090000');
    expect(ics).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=TENTATIVE/);
    // And back again: the same ApplicationData.
    expect(eventToApplicationData(ics, CTX)).toEqual(data);
  });

  it('keeps all-day events as dates', () => {
    const ics = applicationDataToEvent(eventToApplicationData(ALL_DAY, CTX)!, null, IMPORT);
    expect(ics).toContain('DTSTART;VALUE=DATE:20261224');
    expect(ics).toContain('DTEND;VALUE=DATE:20261226');
    expect(ics).toContain('TRANSP:TRANSPARENT');
  });

  it('keeps 16.x exceptions (InstanceId)', () => {
    const ctx = { ...CTX, version: '16.1' as const };
    const data = eventToApplicationData(WEEKLY_MEETING, ctx)!;
    const ics = applicationDataToEvent(data, null, { ...IMPORT, version: '16.1' });
    expect(instancesOf(ics)).toEqual(instancesOf(WEEKLY_MEETING));
    expect(ics).toContain('LOCATION:Room 4');
  });
});

/** What an iPhone sends for a new event in New York (EST/EDT, the US rules). */
function deviceEvent(extra: EasElement[] = []): EasElement {
  const tz = Buffer.alloc(172);
  tz.writeInt32LE(300, 0);
  [0, 11, 0, 1, 2].forEach((v, i) => tz.writeUInt16LE(v, 68 + 2 * i));
  [0, 3, 0, 2, 2].forEach((v, i) => tz.writeUInt16LE(v, 152 + 2 * i));
  tz.writeInt32LE(-60, 168);
  return el(
    'AirSync',
    'ApplicationData',
    el('Calendar', 'TimeZone', tz.toString('base64')),
    el('Calendar', 'AllDayEvent', 0),
    el('Calendar', 'StartTime', '20260710T140000Z'),
    el('Calendar', 'EndTime', '20260710T150000Z'),
    el('Calendar', 'Subject', 'Lunch'),
    el('Calendar', 'Sensitivity', 0),
    el('Calendar', 'BusyStatus', 3),
    el('Calendar', 'Reminder', 10),
    el('Calendar', 'UID', 'device-uid-1'),
    el('AirSyncBase', 'Body', el('AirSyncBase', 'Type', 1), el('AirSyncBase', 'Data', 'bring cake')),
    ...extra,
  );
}

describe('ApplicationData → VEVENT (Sync Add and Change)', () => {
  it('stores a device event in its zone, with a VTIMEZONE for the blob', () => {
    const ics = applicationDataToEvent(
      deviceEvent([
        el(
          'Calendar',
          'Recurrence',
          el('Calendar', 'Type', 3),
          el('Calendar', 'Interval', 1),
          el('Calendar', 'WeekOfMonth', 2),
          el('Calendar', 'DayOfWeek', 32),
          el('Calendar', 'Occurrences', 3),
        ),
      ]),
      null,
      IMPORT,
    );
    const fields = extractCalendarFields(ics);
    expect(fields.uid).toBe('device-uid-1');
    expect(ics).toMatch(/DTSTART;TZID=[^:]+:20260710T100000/);
    expect(ics).toContain('RRULE:FREQ=MONTHLY;COUNT=3;BYDAY=2FR');
    expect(ics).toContain('X-MICROSOFT-CDO-BUSYSTATUS:OOF');
    // 2nd Friday: Jul 10 (EDT), Aug 14 (EDT), Sep 11 (EDT) at 10:00 local = 14:00Z.
    expect(instancesOf(ics).map((i) => i[0])).toEqual([
      '2026-07-10T14:00:00.000Z',
      '2026-08-14T14:00:00.000Z',
      '2026-09-11T14:00:00.000Z',
    ]);
    const back = eventToApplicationData(ics, CTX)!;
    expect([text(back, 'BusyStatus'), text(back, 'Reminder'), text(back, 'Body', 'Data')]).toEqual([
      '3',
      '10',
      'bring cake',
    ]);
    const rules = (b64: string) => ({ ...decodeTimeZone(b64)!, standardName: '', daylightName: '' });
    expect(rules(text(back, 'TimeZone')!)).toEqual(rules(text(deviceEvent(), 'TimeZone')!));
  });

  it('a Change replaces EAS fields, keeps the Body when absent and what EAS has no element for', () => {
    const change = el(
      'AirSync',
      'ApplicationData',
      el('Calendar', 'StartTime', '20261102T090000Z'),
      el('Calendar', 'EndTime', '20261102T100000Z'),
      el('Calendar', 'Subject', 'Team sync v2'),
    );
    const ics = applicationDataToEvent(change, WEEKLY_MEETING, IMPORT);
    expect(ics).toContain('SUMMARY:Team sync v2');
    expect(ics).toContain('X-CUSTOM-PROP:kept');
    expect(ics).toContain('DESCRIPTION:Agenda:\\n1. news');
    expect(ics).not.toContain('LOCATION:');
    expect(ics).not.toMatch(/^RRULE:FREQ=WEEKLY/m);
    expect(ics).toContain('UID:weekly-1@example.org');
    // The stored zone stays (no TimeZone in the Change): 09:00Z is 10:00 in Berlin.
    expect(ics).toContain('DTSTART;TZID=Europe/Berlin:20261102T100000');
  });

  it('keeps ghosted fields (not in Supported) on Change', () => {
    const change = el('AirSync', 'ApplicationData', el('Calendar', 'Subject', 'Renamed'));
    const ics = applicationDataToEvent(change, WEEKLY_MEETING, {
      ...IMPORT,
      supported: new Set(['Subject', 'StartTime', 'EndTime']),
    });
    expect(ics).toContain('SUMMARY:Renamed');
    expect(ics).toContain('LOCATION:Room 4');
    expect(ics).toContain('RRULE:FREQ=WEEKLY');
    expect(instancesOf(ics)).toHaveLength(9);
  });

  it('refuses an Add without StartTime', () => {
    expect(() =>
      applicationDataToEvent(el('AirSync', 'ApplicationData', el('Calendar', 'Subject', 'x')), null, IMPORT),
    ).toThrow();
  });
});

describe('device input (property-based)', () => {
  const when = fc
    .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) })
    .map((ms) => ms - (ms % 60000));
  const small = fc.integer({ min: 0, max: 200 });
  const str = fc.string({ maxLength: 40 });
  const recurrence = fc.record({
    type: fc.constantFrom(0, 1, 2, 3, 5, 6, 4, 9),
    interval: small,
    dow: fc.integer({ min: 0, max: 127 }),
    dom: fc.integer({ min: 0, max: 40 }),
    week: fc.integer({ min: 0, max: 6 }),
    month: fc.integer({ min: 0, max: 13 }),
    count: fc.option(fc.integer({ min: 1, max: 50 })),
  });
  const event = fc.record({
    start: when,
    length: fc.integer({ min: -3600_000, max: 3 * 86_400_000 }),
    allDay: fc.boolean(),
    subject: str,
    location: str,
    body: str,
    sensitivity: small,
    busy: small,
    tz: fc.oneof(fc.uint8Array({ minLength: 172, maxLength: 172 }), fc.constant(new Uint8Array(0))),
    recurrence: fc.option(recurrence),
    exceptions: fc.array(fc.record({ at: when, deleted: fc.boolean(), subject: str }), { maxLength: 3 }),
    attendees: fc.array(fc.record({ email: fc.emailAddress(), name: str, status: small }), { maxLength: 3 }),
  });

  it('either refuses or yields a valid object whose fields come back', () => {
    fc.assert(
      fc.property(event, (e) => {
        const C = (name: string, v: string | number) => el('Calendar', name, v);
        const data = el(
          'AirSync',
          'ApplicationData',
          e.tz.length ? C('TimeZone', Buffer.from(e.tz).toString('base64')) : null,
          C('AllDayEvent', e.allDay ? 1 : 0),
          C('StartTime', compactDate(e.start)),
          C('EndTime', compactDate(e.start + e.length)),
          C('Subject', e.subject),
          C('Location', e.location),
          C('Sensitivity', e.sensitivity),
          C('BusyStatus', e.busy),
          el('AirSyncBase', 'Body', el('AirSyncBase', 'Type', 1), el('AirSyncBase', 'Data', e.body)),
          e.recurrence &&
            el(
              'Calendar',
              'Recurrence',
              C('Type', e.recurrence.type),
              C('Interval', e.recurrence.interval),
              C('DayOfWeek', e.recurrence.dow),
              C('DayOfMonth', e.recurrence.dom),
              C('WeekOfMonth', e.recurrence.week),
              C('MonthOfYear', e.recurrence.month),
              e.recurrence.count ? C('Occurrences', e.recurrence.count) : null,
            ),
          e.exceptions.length > 0 &&
            el(
              'Calendar',
              'Exceptions',
              ...e.exceptions.map((x) =>
                el(
                  'Calendar',
                  'Exception',
                  C('ExceptionStartTime', compactDate(x.at)),
                  x.deleted ? C('Deleted', 1) : C('Subject', x.subject),
                ),
              ),
            ),
          e.attendees.length > 0 &&
            el(
              'Calendar',
              'Attendees',
              ...e.attendees.map((a) =>
                el(
                  'Calendar',
                  'Attendee',
                  C('Email', a.email),
                  C('Name', a.name),
                  C('AttendeeStatus', a.status),
                ),
              ),
            ),
        );
        const ics = applicationDataToEvent(data, null, IMPORT);
        extractCalendarFields(ics);
        const back = eventToApplicationData(ics, CTX)!;
        expect(text(back, 'Subject')).toBe(e.subject);
        expect(text(back, 'Body', 'Data') ?? '').toBe(e.body.replace(/\r\n/g, '\n'));
        if (!e.allDay) expect(text(back, 'StartTime')).toBe(compactDate(e.start - (e.start % 1000)));
        expect(text(back, 'AllDayEvent')).toBe(e.allDay ? '1' : '0');
      }),
      { numRuns: 100 },
    );
  });

  it('on arbitrary trees, what is not refused is a valid calendar object', () => {
    const leaf = fc.record({
      name: fc.constantFrom(
        'StartTime',
        'EndTime',
        'TimeZone',
        'Recurrence',
        'Exceptions',
        'Exception',
        'Type',
        'Subject',
        'Attendees',
        'AllDayEvent',
        'Reminder',
      ),
      text: fc.option(fc.string({ maxLength: 30 })),
    });
    const node = (children: fc.Arbitrary<EasElement[]>): fc.Arbitrary<EasElement> =>
      fc.record({
        page: fc.constantFrom(4, 17),
        name: leaf.map((l) => l.name),
        text: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        children,
      });
    const tree = node(fc.array(node(fc.array(node(fc.constant([])), { maxLength: 3 })), { maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 6 }), (children) => {
        const data: EasElement = { page: 0, name: 'ApplicationData', children };
        let ics: string;
        try {
          ics = applicationDataToEvent(data, null, IMPORT);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          return;
        }
        expect(extractCalendarFields(ics).component).toBe('VEVENT');
      }),
      { numRuns: 100 },
    );
  });
});
