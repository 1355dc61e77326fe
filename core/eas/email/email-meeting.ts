/**
 * email:MeetingRequest (MS-ASEMAIL §2.2.2.48) of invitation mail: the VEVENT of the message's
 * iTIP text/calendar part (REQUEST or CANCEL) as the meeting data a device shows with
 * Accept/Decline. Times are MS-ASDTYPE dateTime in UTC ("2026-12-03T10:00:00.000Z"), Recurrence
 * Until a Compact DateTime (as Exchange writes both), Reminder in seconds. 2.5–14.1 identify the
 * meeting by GlobalObjId, 16.x by calendar:UID. Anything unparsable gives no element: the message
 * is then an ordinary mail, never a failed Sync.
 */
import { partText } from '../../jmap/email-body';
import type { BodyPart, MessageStructure } from '../../mime';
import ICAL, { type IcalComponent, type IcalTime } from '../../pim/ical/ical-lib';
import { parseVcalendar } from '../../pim/ical/parse-calendar';
import { pageOf } from '../wbxml/code-pages';
import {
  busyStatusOf,
  endOf,
  instant,
  mailtoStrip,
  sensitivityOf,
  zoneOfStart,
} from '../pim/calendar-fields';
import { reminderOf } from '../pim/calendar-export';
import { compactDate, isoDate } from '../pim/eas-values';
import { localStartOf, recurrenceElement } from '../pim/recurrence';
import { encodeTimeZone, infoFromVtimezone, UTC_INFO } from '../pim/timezone-blob';
import { versionAtLeast, type ProtocolVersion } from '../protocol';
import { el, type EasElement } from '../wbxml/tree';

/** Larger calendar parts are not parsed (an invitation is a few kilobytes). */
export const DEFAULT_MAX_CALENDAR_BYTES = 256 * 1024;

const E = 'Email';

/** The first text/calendar leaf of the message (depth-first, as MessageClass finds it). */
export function calendarPart(part: BodyPart): BodyPart | null {
  if (part.kind === 'multipart') {
    for (const p of part.parts) {
      const found = calendarPart(p);
      if (found) return found;
    }
    return null;
  }
  return `${part.type}/${part.subtype}`.toLowerCase() === 'text/calendar' ? part : null;
}

/** [MS-OXOCAL] §2.2.1.27 PidLidGlobalObjectId's fixed class id. */
const CLASS_ID = Buffer.from('040000008200E00074C5B7101A82E008', 'hex');

/**
 * GlobalObjId bytes for a UID: an Outlook UID (the hex of a GlobalObjectId) as it is, any other
 * in the "vCal-Uid" form. `instance` (an exception's original date) fills in the instance date.
 */
export function globalObjectId(
  uid: string,
  instance: { year: number; month: number; day: number } | null,
): Buffer {
  const date = Buffer.alloc(4);
  if (instance) {
    date.writeUInt16BE(instance.year, 0);
    date.writeUInt8(instance.month, 2);
    date.writeUInt8(instance.day, 3);
  }
  if (/^[0-9a-f]+$/i.test(uid) && uid.length >= 80 && uid.length % 2 === 0) {
    const bytes = Buffer.from(uid, 'hex');
    if (bytes.subarray(0, 16).equals(CLASS_ID)) {
      date.copy(bytes, 16);
      return bytes;
    }
  }
  const data = Buffer.concat([
    Buffer.from('vCal-Uid', 'latin1'),
    Buffer.from([1, 0, 0, 0]),
    Buffer.from(uid, 'utf8'),
    Buffer.from([0]),
  ]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  // Creation time (8 bytes) and the reserved 8 bytes stay zero: the id must not change between Syncs.
  return Buffer.concat([CLASS_ID, date, Buffer.alloc(16), size, data]);
}

/** MS-ASEMAIL §2.2.2.60: the order of Recurrence's children. */
const RECURRENCE_ORDER = [
  'Type',
  'Interval',
  'Until',
  'Occurrences',
  'WeekOfMonth',
  'DayOfMonth',
  'DayOfWeek',
  'MonthOfYear',
];

/** recurrence.ts's Calendar Recurrence on the Email page, children in MS-ASEMAIL's order. */
function emailRecurrence(calendar: EasElement): EasElement {
  const page = pageOf(E) ?? 2;
  const rank = (c: EasElement) => RECURRENCE_ORDER.indexOf(c.name);
  const children = [...calendar.children].sort((a, b) => rank(a) - rank(b));
  return { ...calendar, page, children: children.map((c) => ({ ...c, page })) };
}

/** Email2:MeetingMessageType: 1 an initial request, 2 a full update (SEQUENCE > 0), 0 otherwise. */
function meetingMessageType(method: string, event: IcalComponent): number {
  if (method !== 'REQUEST') return 0;
  const sequence = Number(event.getFirstPropertyValue('sequence') ?? 0);
  return Number.isFinite(sequence) && sequence > 0 ? 2 : 1;
}

/** A reply is expected unless every attendee says RSVP=FALSE; a cancellation needs none. */
function responseRequested(method: string, event: IcalComponent): number {
  if (method !== 'REQUEST') return 0;
  const attendees = event.getAllProperties('attendee');
  const noReply = attendees.every((a) => String(a.getParameter('rsvp') ?? '').toUpperCase() === 'FALSE');
  return attendees.length > 0 && noReply ? 0 : 1;
}

const disallowCounter = (event: IcalComponent): boolean =>
  String(event.getFirstPropertyValue('x-microsoft-disallow-counter') ?? '').toUpperCase() === 'TRUE';

function organizerText(event: IcalComponent): string | null {
  const organizer = event.getFirstProperty('organizer');
  if (!organizer) return null;
  const address = mailtoStrip(organizer.getFirstValue());
  const name = String(organizer.getParameter('cn') ?? '');
  if (!address) return null;
  if (!name) return address;
  return `"${name.replace(/["\\]/g, (c) => '\\' + c)}" <${address}>`;
}

/** The Recurrences element of the master's RRULE, moved to the Email page (Email2 extras for 14.x+). */
function recurrencesElement(
  event: IcalComponent,
  start: IcalTime,
  zone: ReturnType<typeof zoneOfStart>['zone'],
  version: ProtocolVersion,
): EasElement | null {
  const rrule = event.getFirstPropertyValue('rrule') as InstanceType<typeof ICAL.Recur> | null;
  if (!rrule) return null;
  const local = zone && !start.isDate ? start.convertToZone(zone) : start;
  const untilMs = rrule.until ? instant(rrule.until, zone) : null;
  const calendar = recurrenceElement('Calendar', rrule, localStartOf(local), compactDate, untilMs);
  if (!calendar) return null;
  const recurrence = emailRecurrence(calendar);
  if (versionAtLeast(version, '14.0')) {
    // Gregorian, not a leap month; the week starts on WKST (RFC 5545 default Monday).
    recurrence.children.push(el('Email2', 'CalendarType', 1), el('Email2', 'IsLeapMonth', 0));
    if (versionAtLeast(version, '14.1')) {
      const wkst = Number(rrule.wkst ?? 2);
      recurrence.children.push(el('Email2', 'FirstDayOfWeek', wkst >= 1 && wkst <= 7 ? wkst - 1 : 1));
    }
  }
  return el(E, 'Recurrences', recurrence);
}

function meetingOf(ics: string, method: string, version: ProtocolVersion): EasElement | null {
  const vcalendar = parseVcalendar(ics);
  const events = vcalendar.getAllSubcomponents('vevent');
  const event = events.find((e) => !e.hasProperty('recurrence-id')) ?? events[0];
  if (!event) return null;
  const uid = String(event.getFirstPropertyValue('uid') ?? '');
  const start = event.getFirstPropertyValue('dtstart') as IcalTime | null;
  if (!uid || !start) return null;
  const tz = zoneOfStart(start, null);
  const startMs = instant(start, tz.zone);
  // An end before the start (broken DTEND) is read as a zero-length meeting.
  const endMs = Math.max(instant(endOf(event, start), tz.zone), startMs);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) return null;
  const dtstamp = event.getFirstPropertyValue('dtstamp') as IcalTime | null;
  const recurrenceId = event.getFirstPropertyValue('recurrence-id') as IcalTime | null;
  const v16 = versionAtLeast(version, '16.0');
  const location = String(event.getFirstPropertyValue('location') ?? '');
  const reminder = reminderOf(event);
  const busy = busyStatusOf(event);
  const recurrences = recurrenceId ? null : recurrencesElement(event, start, tz.zone, version);
  // InstanceType: 0 single, 1 the master of a series, 3 an exception to one.
  const instanceType = recurrenceId ? 3 : recurrences ? 1 : 0;
  const instanceDate = recurrenceId ? recurrenceId.convertToZone(ICAL.Timezone.utcTimezone) : null;
  return el(
    E,
    'MeetingRequest',
    el(E, 'AllDayEvent', start.isDate ? 1 : 0),
    el(E, 'StartTime', isoDate(startMs)),
    el(E, 'DtStamp', isoDate(dtstamp ? instant(dtstamp, null) : startMs)),
    el(E, 'EndTime', isoDate(endMs)),
    el(E, 'InstanceType', instanceType),
    location !== '' &&
      (v16
        ? el('AirSyncBase', 'Location', el('AirSyncBase', 'DisplayName', location))
        : el(E, 'Location', location)),
    (() => {
      const organizer = organizerText(event);
      return organizer !== null && el(E, 'Organizer', organizer);
    })(),
    recurrenceId && el(E, 'RecurrenceId', isoDate(instant(recurrenceId, tz.zone))),
    reminder !== null && el(E, 'Reminder', reminder * 60),
    el(E, 'ResponseRequested', responseRequested(method, event)),
    recurrences,
    el(E, 'Sensitivity', sensitivityOf(event) ?? 0),
    // 4 (working elsewhere) is new in 16.0.
    el(E, 'BusyStatus', busy === 4 && !v16 ? 2 : busy),
    el(E, 'TimeZone', encodeTimeZone(tz.vtimezone ? infoFromVtimezone(tz.vtimezone) : UTC_INFO)),
    v16
      ? el('Calendar', 'UID', uid)
      : el(E, 'GlobalObjId', globalObjectId(uid, instanceDate).toString('base64')),
    // 14.0+: whether the organizer refuses new time proposals (Microsoft's iCalendar property).
    versionAtLeast(version, '14.0') && el(E, 'DisallowNewTimeProposal', disallowCounter(event) ? 1 : 0),
    versionAtLeast(version, '14.1') && el('Email2', 'MeetingMessageType', meetingMessageType(method, event)),
  );
}

export interface MeetingInput {
  raw: Buffer;
  structure: MessageStructure;
  version: ProtocolVersion;
  maxCalendarBytes?: number;
}

/** The MeetingRequest of an invitation, or null (no iTIP part, too large, or not parsable). */
export function renderMeetingRequest(input: MeetingInput): EasElement | null {
  const part = calendarPart(input.structure.body);
  if (!part || part.kind === 'multipart') return null;
  if (part.bodyEnd - part.bodyStart > (input.maxCalendarBytes ?? DEFAULT_MAX_CALENDAR_BYTES)) return null;
  try {
    const ics = partText(input.raw, part);
    const paramMethod = part.params.find(([name]) => name === 'method')?.[1];
    const method = String(paramMethod ?? /^METHOD:(.*)$/im.exec(ics)?.[1] ?? '')
      .trim()
      .toUpperCase();
    if (method !== 'REQUEST' && method !== 'CANCEL') return null;
    return meetingOf(ics, method, input.version);
  } catch {
    // ical.js throws on malformed data; the mail is still shown, without meeting data.
    return null;
  }
}
