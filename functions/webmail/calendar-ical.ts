/**
 * The webmail's changes to iCalendar objects, with ical.js (core/pim/ical): a new event, an edit
 * of the whole series or of one instance (an override with RECURRENCE-ID), an instance removed
 * (EXDATE), and an attendee's answer (their PARTSTAT). Timed events are written in UTC; the
 * browser shows them in its own time zone.
 */
import { randomUUID } from 'node:crypto';
import ICAL, { type IcalComponent, type IcalTime } from '../../core/pim/ical/ical-lib';
import { expandInstances } from '../../core/pim/ical/instances';
import { parseCalendarObject, type ParsedCalendar } from '../../core/pim/ical/parse-calendar';
import { attendeeProperty, participants, scheduledComponents } from '../../core/pim/scheduling/itip';
import { mailtoAddress } from '../../core/pim/scheduling/ports';
import type { EventInput } from './calendar-input';
import { vtimezoneFor, zonedTime } from './calendar-zone';
import { fail } from './pim-session';

const utc = (ms: number): IcalTime => ICAL.Time.fromJSDate(new Date(Math.floor(ms / 1000) * 1000), true);
const timeOf = (value: number | string): IcalTime =>
  typeof value === 'string' ? ICAL.Time.fromDateString(value) : utc(value);

function setTime(c: IcalComponent, name: string, time: IcalTime, tzid: string | null = null): void {
  c.removeAllProperties(name);
  const p = c.addPropertyWithValue(name, time);
  if (tzid && !time.isDate) p.setParameter('tzid', tzid);
}

function setText(c: IcalComponent, name: string, value: string): void {
  c.removeAllProperties(name);
  if (value) c.addPropertyWithValue(name, value);
}

const tzidOf = (c: IcalComponent, name: string): string | null => {
  const value = c.getFirstProperty(name)?.getParameter('tzid');
  return typeof value === 'string' ? value : null;
};

function touch(c: IcalComponent, now: Date, bump: boolean): void {
  setTime(c, 'dtstamp', utc(now.getTime()));
  setTime(c, 'last-modified', utc(now.getTime()));
  const sequence = Number(c.getFirstPropertyValue('sequence') ?? 0);
  c.removeAllProperties('sequence');
  c.addPropertyWithValue('sequence', bump ? sequence + 1 : sequence);
}

/** ORGANIZER is the user and ATTENDEEs the list (answers of those already invited are kept). */
function setAttendees(c: IcalComponent, attendees: string[], me: string): void {
  if (attendees.length === 0) {
    c.removeAllProperties('organizer');
    c.removeAllProperties('attendee');
    return;
  }
  c.removeAllProperties('organizer');
  c.addPropertyWithValue('organizer', `mailto:${me}`);
  for (const p of c.getAllProperties('attendee')) {
    const address = mailtoAddress(p.getFirstValue());
    if (!address || !attendees.includes(address)) c.removeProperty(p);
  }
  for (const address of attendees) {
    if (attendeeProperty(c, address)) continue;
    const p = c.addPropertyWithValue('attendee', `mailto:${address}`);
    p.setParameter('role', 'REQ-PARTICIPANT');
    p.setParameter('partstat', 'NEEDS-ACTION');
    p.setParameter('rsvp', 'TRUE');
  }
}

function setRecurrence(c: IcalComponent, input: EventInput): void {
  c.removeAllProperties('rrule');
  const r = input.recurrence;
  if (!r) return;
  const data: { freq: string; count?: number; until?: IcalTime } = { freq: r.freq };
  if (r.count !== null) data.count = r.count;
  if (r.until !== null)
    data.until = input.allDay ? ICAL.Time.fromDateString(r.until) : utc(Date.parse(`${r.until}T23:59:59Z`));
  c.addPropertyWithValue('rrule', ICAL.Recur.fromData(data as Parameters<typeof ICAL.Recur.fromData>[0]));
}

/** The VTIMEZONE a repeating timed event is written in (its zone's rules), kept in the VCALENDAR. */
function zoneFor(vcalendar: IcalComponent, input: EventInput): IcalComponent | null {
  if (!input.timeZone || input.allDay || !input.recurrence || typeof input.start !== 'number') return null;
  const existing = vcalendar
    .getAllSubcomponents('vtimezone')
    .find((z) => z.getFirstPropertyValue('tzid') === input.timeZone);
  if (existing) return existing;
  const made = vtimezoneFor(input.timeZone, new Date(input.start).getUTCFullYear());
  if (made) vcalendar.addSubcomponent(made);
  return made;
}

function applyFields(c: IcalComponent, input: EventInput, me: string, vcalendar: IcalComponent): void {
  setText(c, 'summary', input.title);
  setText(c, 'location', input.location);
  setText(c, 'description', input.description);
  c.removeAllProperties('duration');
  const zone = zoneFor(vcalendar, input);
  if (zone && typeof input.start === 'number' && typeof input.end === 'number') {
    setTime(c, 'dtstart', zonedTime(input.start, input.timeZone!, zone), input.timeZone);
    setTime(c, 'dtend', zonedTime(input.end, input.timeZone!, zone), input.timeZone);
  } else {
    setTime(c, 'dtstart', timeOf(input.start));
    setTime(c, 'dtend', timeOf(input.end));
  }
  setAttendees(c, input.attendees, me);
}

const serialise = (vcalendar: IcalComponent) => vcalendar.toString() + '\r\n';

export function newEvent(input: EventInput, me: string, now: Date): { uid: string; data: string } {
  const uid = `${randomUUID()}@nimbus-webmail`;
  const vcalendar = new ICAL.Component(['vcalendar', [], []]);
  vcalendar.addPropertyWithValue('prodid', '-//Nimbus Mail//Webmail//EN');
  vcalendar.addPropertyWithValue('version', '2.0');
  const event = new ICAL.Component('vevent');
  event.addPropertyWithValue('uid', uid);
  setTime(event, 'created', utc(now.getTime()));
  vcalendar.addSubcomponent(event);
  applyFields(event, input, me, vcalendar);
  setRecurrence(event, input);
  touch(event, now, false);
  return { uid, data: serialise(vcalendar) };
}

/** Only the organizer (or anyone, for an event without attendees) changes an event's content. */
export function assertOrganizer(parsed: ParsedCalendar, me: string): void {
  const { organizer, attendees } = participants(parsed.vcalendar);
  if (organizer && organizer !== me && attendees.length > 0)
    fail(403, 'this is an invitation from someone else: answer it instead of editing it');
}

export const parse = (data: string): ParsedCalendar => parseCalendarObject(data);

/** The RECURRENCE-ID of the instance the webmail named (its start as ical.js prints it), or 404. */
export function instanceId(parsed: ParsedCalendar, recurrenceId: string): IcalTime {
  const override = parsed.overrides.find(
    (o) => String(o.getFirstPropertyValue('recurrence-id')) === recurrenceId,
  );
  if (override) return override.getFirstPropertyValue('recurrence-id') as IcalTime;
  let target: IcalTime;
  try {
    target = ICAL.Time.fromString(recurrenceId, null);
  } catch {
    return fail(400, 'recurrenceId is not an iCalendar time');
  }
  const untilMs = target.toUnixTime() * 1000 + 2 * 86_400_000;
  const expansion = expandInstances(parsed.master, parsed.overrides, { untilMs, floatingZone: null });
  const found = expansion.instances.find((i) => i.recurrenceId && String(i.recurrenceId) === recurrenceId);
  return found?.recurrenceId ?? fail(404, 'no such instance');
}

/** The whole series (or the single event) gets the new fields; the recurrence changes with it. */
export function editSeries(parsed: ParsedCalendar, input: EventInput, me: string, now: Date): string {
  const master = parsed.master ?? fail(409, 'this object has no master event to edit');
  const timing = () => `${master.getFirstPropertyValue('dtstart')}|${master.getFirstPropertyValue('rrule')}`;
  const before = timing();
  applyFields(master, input, me, parsed.vcalendar);
  setRecurrence(master, input);
  if (before !== timing()) {
    // The series moved or has a new rule: its exceptions no longer name its instances.
    master.removeAllProperties('exdate');
    for (const o of parsed.overrides) parsed.vcalendar.removeSubcomponent(o);
  }
  touch(master, now, true);
  return serialise(parsed.vcalendar);
}

/** One instance changed: its override is created or updated (the series keeps its rule). */
export function editInstance(
  parsed: ParsedCalendar,
  recurrenceId: string,
  input: EventInput,
  me: string,
  now: Date,
): string {
  const master = parsed.master ?? fail(409, 'this object has no master event');
  const id = instanceId(parsed, recurrenceId);
  let override = parsed.overrides.find(
    (o) => String(o.getFirstPropertyValue('recurrence-id')) === String(id),
  );
  if (!override) {
    override = new ICAL.Component(JSON.parse(JSON.stringify(master.toJSON())) as unknown[]);
    for (const name of ['rrule', 'rdate', 'exdate']) override.removeAllProperties(name);
    override.removeAllSubcomponents('valarm');
    setTime(override, 'recurrence-id', id, tzidOf(master, 'dtstart'));
    parsed.vcalendar.addSubcomponent(override);
  }
  applyFields(override, { ...input, recurrence: null }, me, parsed.vcalendar);
  touch(override, now, true);
  return serialise(parsed.vcalendar);
}

/** One instance removed: an EXDATE on the master, and its override (if any) dropped. */
export function removeInstance(parsed: ParsedCalendar, recurrenceId: string, now: Date): string {
  const master = parsed.master ?? fail(409, 'this object has no master event');
  const id = instanceId(parsed, recurrenceId);
  for (const o of parsed.overrides)
    if (String(o.getFirstPropertyValue('recurrence-id')) === String(id))
      parsed.vcalendar.removeSubcomponent(o);
  const p = master.addPropertyWithValue('exdate', id);
  const tzid = tzidOf(master, 'dtstart');
  if (tzid && !id.isDate) p.setParameter('tzid', tzid);
  touch(master, now, true);
  return serialise(parsed.vcalendar);
}

/** The attendee's answer in their own copy (every component they attend). */
export function answer(parsed: ParsedCalendar, me: string, partstat: string, now: Date): string {
  let found = false;
  for (const c of scheduledComponents(parsed.vcalendar)) {
    const mine = attendeeProperty(c, me);
    if (!mine) continue;
    mine.setParameter('partstat', partstat);
    mine.removeParameter('rsvp');
    setTime(c, 'dtstamp', utc(now.getTime()));
    found = true;
  }
  if (!found) fail(404, 'you are not an attendee of this event');
  return serialise(parsed.vcalendar);
}
