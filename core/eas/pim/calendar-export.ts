/**
 * A stored VEVENT (iCalendar text) as Calendar class ApplicationData (MS-ASCAL §2.2.2): times in
 * UTC with the event's zone as a TIME_ZONE_INFORMATION blob, the RRULE as Recurrence, overridden
 * instances (RECURRENCE-ID) and EXDATEs as Exceptions, attendees, organizer and alarm.
 */
import ICAL, { type IcalComponent, type IcalProperty, type IcalTime } from '../../pim/ical/ical-lib';
import { parseVcalendar } from '../../pim/ical/parse-calendar';
import { timezoneFromText } from '../../pim/ical/time-values';
import { versionAtLeast, type ProtocolVersion } from '../protocol';
import type { BodyPreference } from '../sync/item-source';
import { el, type EasElement } from '../wbxml/tree';
import {
  attendeeStatusOf,
  attendeeTypeOf,
  busyStatusOf,
  endOf,
  instant,
  mailtoStrip,
  sensitivityOf,
  zoneOfStart,
  type EventZone,
} from './calendar-fields';
import { bodyElement, categoriesElement, compactDate } from './eas-values';
import { localStartOf, recurrenceElement } from './recurrence';
import { encodeTimeZone, infoFromVtimezone, UTC_INFO } from './timezone-blob';

export interface CalendarRenderContext {
  version: ProtocolVersion;
  bodyPreferences: BodyPreference[];
  /** The account's address: MeetingStatus says whether the user organises the meeting. */
  selfAddress: string | null;
  /** calendar-timezone of the collection (VTIMEZONE text), for floating and all-day times. */
  calendarTimezone?: string | null;
}

const C = 'Calendar';

const textProp = (c: IcalComponent, name: string): string => {
  const v = c.getFirstPropertyValue(name);
  return v === null || v === undefined ? '' : String(v);
};

export const categoriesOfComponent = (c: IcalComponent): string[] =>
  c
    .getAllProperties('categories')
    .flatMap((p) => p.getValues().map(String))
    .filter(Boolean);

/** Minutes before the start of the first display/audio alarm relative to the start. */
export function reminderOf(c: IcalComponent): number | null {
  for (const alarm of c.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    const value = trigger?.getFirstValue() as unknown;
    if (!(value instanceof ICAL.Duration)) continue;
    if (String(trigger?.getParameter('related') ?? 'START').toUpperCase() !== 'START') continue;
    const seconds = value.toSeconds();
    if (seconds <= 0) return Math.round(-seconds / 60);
  }
  return null;
}

function attendeesElement(c: IcalComponent): EasElement | null {
  const attendees = c.getAllProperties('attendee');
  if (attendees.length === 0) return null;
  return el(
    C,
    'Attendees',
    ...attendees.map((a: IcalProperty) =>
      el(
        C,
        'Attendee',
        el(C, 'Email', mailtoStrip(a.getFirstValue())),
        el(C, 'Name', String(a.getParameter('cn') ?? '') || mailtoStrip(a.getFirstValue())),
        el(C, 'AttendeeStatus', attendeeStatusOf((a.getParameter('partstat') as string) ?? null)),
        el(
          C,
          'AttendeeType',
          attendeeTypeOf(
            (a.getParameter('role') as string) ?? null,
            (a.getParameter('cutype') as string) ?? null,
          ),
        ),
      ),
    ),
  );
}

interface Meeting {
  status: number;
  /** ResponseType (14.0+): 1 organizer, 2 tentative, 3 accepted, 4 declined, 5 not responded. */
  response: number | null;
}

function meetingOf(c: IcalComponent, self: string | null): Meeting {
  const attendees = c.getAllProperties('attendee');
  const organizer = mailtoStrip(c.getFirstPropertyValue('organizer')).toLowerCase();
  if (attendees.length === 0) return { status: 0, response: null };
  const cancelled = textProp(c, 'status').toUpperCase() === 'CANCELLED';
  const mine = !organizer || (self !== null && organizer === self.toLowerCase());
  if (mine) return { status: cancelled ? 5 : 1, response: 1 };
  const me = attendees.find(
    (a) => self && mailtoStrip(a.getFirstValue()).toLowerCase() === self.toLowerCase(),
  );
  const status = attendeeStatusOf((me?.getParameter('partstat') as string) ?? 'NEEDS-ACTION');
  return { status: cancelled ? 7 : 3, response: status === 0 ? 5 : status };
}

function locationElement(c: IcalComponent, version: ProtocolVersion): EasElement | null {
  const location = textProp(c, 'location');
  if (!location) return null;
  if (versionAtLeast(version, '16.0'))
    return el('AirSyncBase', 'Location', el('AirSyncBase', 'DisplayName', location));
  return el(C, 'Location', location);
}

function timesOf(c: IcalComponent, tz: EventZone): { start: number; end: number; allDay: boolean } | null {
  const start = c.getFirstPropertyValue('dtstart') as IcalTime | null;
  if (!start) return null;
  return { start: instant(start, tz.zone), end: instant(endOf(c, start), tz.zone), allDay: start.isDate };
}

/** An overridden instance as an Exception: its times always, other fields where they differ. */
function exceptionElement(
  o: IcalComponent,
  master: IcalComponent,
  tz: EventZone,
  ctx: CalendarRenderContext,
): EasElement | null {
  const id = o.getFirstPropertyValue('recurrence-id') as IcalTime | null;
  const times = timesOf(o, tz);
  if (!id || !times) return null;
  const differs = (name: string) => textProp(o, name) !== textProp(master, name);
  const v16 = versionAtLeast(ctx.version, '16.0');
  const idMs = instant(id, tz.zone);
  const cats = categoriesOfComponent(o);
  const attendees = o.getAllProperties('attendee').map((a) => a.toICALString());
  const masterAttendees = master.getAllProperties('attendee').map((a) => a.toICALString());
  const reminder = reminderOf(o);
  return el(
    C,
    'Exception',
    v16 ? el('AirSyncBase', 'InstanceId', compactDate(idMs)) : el(C, 'ExceptionStartTime', compactDate(idMs)),
    differs('summary') && el(C, 'Subject', textProp(o, 'summary')),
    el(C, 'StartTime', compactDate(times.start)),
    el(C, 'EndTime', compactDate(times.end)),
    differs('description') && bodyElement(textProp(o, 'description'), ctx.bodyPreferences),
    differs('location') &&
      (locationElement(o, ctx.version) ?? (v16 ? el('AirSyncBase', 'Location') : el(C, 'Location'))),
    cats.join(',') !== categoriesOfComponent(master).join(',') && categoriesElement(C, cats),
    differs('class') && el(C, 'Sensitivity', sensitivityOf(o) ?? 0),
    busyStatusOf(o) !== busyStatusOf(master) && el(C, 'BusyStatus', busyStatusOf(o)),
    el(C, 'AllDayEvent', times.allDay ? 1 : 0),
    reminder !== null && reminder !== reminderOf(master) && el(C, 'Reminder', reminder),
    o.hasProperty('dtstamp') &&
      el(C, 'DtStamp', compactDate(instant(o.getFirstPropertyValue('dtstamp') as IcalTime, null))),
    attendees.join('\n') !== masterAttendees.join('\n') && attendeesElement(o),
  );
}

function deletedElement(ms: number, v16: boolean): EasElement {
  return el(
    C,
    'Exception',
    el(C, 'Deleted', 1),
    v16 ? el('AirSyncBase', 'InstanceId', compactDate(ms)) : el(C, 'ExceptionStartTime', compactDate(ms)),
  );
}

/** The ApplicationData of a calendar object holding VEVENTs (null: no usable VEVENT). */
export function eventToApplicationData(ics: string, ctx: CalendarRenderContext): EasElement | null {
  const vcalendar = parseVcalendar(ics);
  const events = vcalendar.getAllSubcomponents('vevent');
  const master = events.find((e) => !e.hasProperty('recurrence-id')) ?? events[0];
  if (!master) return null;
  const start = master.getFirstPropertyValue('dtstart') as IcalTime | null;
  const tz = zoneOfStart(start, timezoneFromText(ctx.calendarTimezone));
  const times = timesOf(master, tz);
  if (!start || !times) return null;
  const info = tz.vtimezone ? infoFromVtimezone(tz.vtimezone) : UTC_INFO;
  const v16 = versionAtLeast(ctx.version, '16.0');
  const organizer = master.getFirstProperty('organizer');
  const meeting = meetingOf(master, ctx.selfAddress);
  const reminder = reminderOf(master);
  const sensitivity = sensitivityOf(master);
  const dtstamp = master.getFirstPropertyValue('dtstamp') as IcalTime | null;
  const isMaster = !master.hasProperty('recurrence-id');

  let recurrence: EasElement | null = null;
  const exceptions: EasElement[] = [];
  const rrule = master.getFirstPropertyValue('rrule') as InstanceType<typeof ICAL.Recur> | null;
  if (isMaster && rrule) {
    const local = tz.zone && !start.isDate ? start.convertToZone(tz.zone) : start;
    const untilMs = rrule.until ? instant(rrule.until, tz.zone) : null;
    recurrence = recurrenceElement(C, rrule, localStartOf(local), compactDate, untilMs);
    for (const p of master.getAllProperties('exdate'))
      for (const v of p.getValues() as IcalTime[]) exceptions.push(deletedElement(instant(v, tz.zone), v16));
    for (const o of events.filter((e) => e !== master && e.hasProperty('recurrence-id'))) {
      const e = exceptionElement(o, master, tz, ctx);
      if (e) exceptions.push(e);
    }
  }

  return el(
    'AirSync',
    'ApplicationData',
    el(C, 'TimeZone', encodeTimeZone(info)),
    el(C, 'AllDayEvent', times.allDay ? 1 : 0),
    bodyElement(textProp(master, 'description'), ctx.bodyPreferences),
    el(C, 'BusyStatus', busyStatusOf(master)),
    organizer &&
      el(
        C,
        'OrganizerName',
        String(organizer.getParameter('cn') ?? '') || mailtoStrip(organizer.getFirstValue()),
      ),
    organizer && el(C, 'OrganizerEmail', mailtoStrip(organizer.getFirstValue())),
    el(C, 'DtStamp', compactDate(dtstamp ? instant(dtstamp, null) : times.start)),
    el(C, 'EndTime', compactDate(times.end)),
    locationElement(master, ctx.version),
    reminder !== null && el(C, 'Reminder', reminder),
    el(C, 'Sensitivity', sensitivity ?? 0),
    el(C, 'Subject', textProp(master, 'summary')),
    el(C, 'StartTime', compactDate(times.start)),
    el(C, 'UID', textProp(master, 'uid')),
    el(C, 'MeetingStatus', meeting.status),
    attendeesElement(master),
    categoriesElement(C, categoriesOfComponent(master)),
    recurrence,
    exceptions.length > 0 && el(C, 'Exceptions', ...exceptions),
    meeting.response !== null && el(C, 'ResponseType', meeting.response),
    v16 && !isMaster && master.getFirstPropertyValue('recurrence-id')
      ? el(
          'AirSyncBase',
          'InstanceId',
          compactDate(instant(master.getFirstPropertyValue('recurrence-id') as IcalTime, tz.zone)),
        )
      : null,
  );
}
