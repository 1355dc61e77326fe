/**
 * Calendar class ApplicationData from a device (Sync Add/Change) applied to a VEVENT: onto a new
 * VCALENDAR for an Add, onto the stored object for a Change so that what EAS has no element for
 * (X- properties, URL, ATTACH, extra alarms …) survives. A Change replaces the EAS fields: an
 * absent field is removed, except Body (absent = unchanged) and ghosted fields (MS-ASCMD
 * §2.2.3.179: not named by the folder's Supported element), which keep their stored value.
 */
import { randomUUID } from 'node:crypto';
import ICAL, { type IcalComponent, type IcalTime, type IcalTimezone } from '../../pim/ical/ical-lib';
import { parseVcalendar } from '../../pim/ical/parse-calendar';
import { versionAtLeast, type ProtocolVersion } from '../protocol';
import { child, childrenNamed, type EasElement } from '../wbxml/tree';
import {
  BASE,
  CAL,
  CLASS_OF_SENSITIVITY,
  endOf,
  instant,
  partstatOf,
  setBusyStatus,
  timeIn,
  zoneOfStart,
} from './calendar-fields';
import { bodyText, categoriesOf, intOf, parseEasDate, textOf } from './eas-values';
import { reminderOf } from './calendar-export';
import { ruleFromRecurrence } from './recurrence';
import { decodeTimeZone, infoFromVtimezone, sameRules, vtimezoneFor } from './timezone-blob';

export interface CalendarImportContext {
  version: ProtocolVersion;
  selfAddress: string | null;
  /** Elements the device manages (Supported); null: it sent no Supported, nothing is ghosted. */
  supported?: ReadonlySet<string> | null;
}

export class InvalidEasItem extends Error {}

const PRODID = '-//Nimbus Mail//ActiveSync//EN';

export function newVcalendar(): IcalComponent {
  const vcalendar = new ICAL.Component('vcalendar');
  vcalendar.addPropertyWithValue('version', '2.0');
  vcalendar.addPropertyWithValue('prodid', PRODID);
  return vcalendar;
}

/** Sets or removes a text property. */
export function setText(c: IcalComponent, name: string, value: string | null): void {
  c.removeAllProperties(name);
  if (value !== null && value !== '') c.addPropertyWithValue(name, value);
}

export function setTime(c: IcalComponent, name: string, t: IcalTime): void {
  c.removeAllProperties(name);
  const p = new ICAL.Property(name);
  p.setValue(t);
  const tzid = t.zone?.tzid;
  if (!t.isDate && tzid && tzid !== 'UTC' && tzid !== 'floating') p.setParameter('tzid', tzid);
  c.addProperty(p);
}

/** A device's all-day midnight (in its zone) as a DATE; "nearly midnight" rounds to the nearest day. */
function dateIn(ms: number, zone: IcalTimezone | null): IcalTime {
  const local = timeIn(ms + 12 * 3600_000, zone);
  return ICAL.Time.fromData({ year: local.year, month: local.month, day: local.day, isDate: true });
}

export function setReminder(c: IcalComponent, minutes: number | null): void {
  if (minutes !== null && reminderOf(c) === minutes) return;
  for (const a of c.getAllSubcomponents('valarm')) c.removeSubcomponent(a);
  if (minutes === null) return;
  const alarm = new ICAL.Component('valarm');
  alarm.addPropertyWithValue('action', 'DISPLAY');
  alarm.addPropertyWithValue('description', 'Reminder');
  alarm.addPropertyWithValue('trigger', ICAL.Duration.fromSeconds(-Math.min(minutes, 525_600) * 60));
  c.addSubcomponent(alarm);
}

export function setCategories(c: IcalComponent, categories: string[] | null): void {
  c.removeAllProperties('categories');
  if (!categories?.length) return;
  const p = new ICAL.Property('categories');
  p.setValues(categories);
  c.addProperty(p);
}

function setAttendees(c: IcalComponent, attendees: EasElement | undefined): void {
  const before = new Map(
    c.getAllProperties('attendee').map((p) => [
      String(p.getFirstValue())
        .replace(/^mailto:/i, '')
        .toLowerCase(),
      p,
    ]),
  );
  c.removeAllProperties('attendee');
  for (const a of childrenNamed(attendees, 'Attendee')) {
    const email = (textOf(a, 'Email', CAL) ?? '').trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) continue;
    const old = before.get(email.toLowerCase());
    const p = new ICAL.Property('attendee');
    p.setValue(`mailto:${email}`);
    for (const [k, v] of Object.entries((old?.toJSON()[1] ?? {}) as Record<string, string>))
      p.setParameter(k, v);
    const name = textOf(a, 'Name', CAL);
    if (name) p.setParameter('cn', name);
    const type = intOf(a, 'AttendeeType', CAL);
    if (type === 3) p.setParameter('cutype', 'RESOURCE');
    if (type === 1 || type === 2) p.setParameter('role', type === 2 ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT');
    const partstat = partstatOf(intOf(a, 'AttendeeStatus', CAL));
    if (partstat) p.setParameter('partstat', partstat);
    else if (!old) {
      p.setParameter('partstat', 'NEEDS-ACTION');
      p.setParameter('rsvp', 'TRUE');
    }
    c.addProperty(p);
  }
}

/** The Location text: calendar:Location before 16.0, airsyncbase:Location/DisplayName after. */
function locationOf(data: EasElement, version: ProtocolVersion): string | undefined {
  if (versionAtLeast(version, '16.0')) {
    const loc = child(data, 'Location', BASE);
    if (loc) return textOf(loc, 'DisplayName', BASE) ?? '';
  }
  return textOf(data, 'Location', CAL);
}

interface Apply {
  ctx: CalendarImportContext;
  /** True for the series itself; false for an Exception (absent fields inherit from the series). */
  top: boolean;
}

/** The fields common to the series and its exceptions. */
function applyCommon(c: IcalComponent, data: EasElement, a: Apply): void {
  const ghosted = (name: string) => (a.top ? !!a.ctx.supported && !a.ctx.supported.has(name) : true);
  const text = (name: string, prop: string, value: string | undefined) => {
    if (value !== undefined) setText(c, prop, value);
    else if (!ghosted(name)) c.removeAllProperties(prop);
  };
  text('Subject', 'summary', textOf(data, 'Subject', CAL));
  text('Location', 'location', locationOf(data, a.ctx.version));
  const body = bodyText(data);
  if (body !== undefined) setText(c, 'description', body);
  const sensitivity = intOf(data, 'Sensitivity', CAL);
  if (sensitivity !== null && sensitivity < 4) setText(c, 'class', CLASS_OF_SENSITIVITY[sensitivity]);
  else if (!ghosted('Sensitivity')) c.removeAllProperties('class');
  const busy = intOf(data, 'BusyStatus', CAL);
  if (busy !== null && busy <= 4) setBusyStatus(c, busy);
  else if (!ghosted('BusyStatus')) setBusyStatus(c, null);
  const reminder = intOf(data, 'Reminder', CAL);
  if (reminder !== null || !ghosted('Reminder')) setReminder(c, reminder);
  const categories = categoriesOf(data, CAL);
  if (categories !== null || !ghosted('Categories')) setCategories(c, categories);
  const attendees = child(data, 'Attendees', CAL);
  if (attendees || !ghosted('Attendees')) setAttendees(c, attendees);
  const meeting = intOf(data, 'MeetingStatus', CAL);
  if (meeting === 5 || meeting === 7) setText(c, 'status', 'CANCELLED');
  else if (meeting !== null && String(c.getFirstPropertyValue('status') ?? '') === 'CANCELLED')
    c.removeAllProperties('status');
  const stamp = parseEasDate(textOf(data, 'DtStamp', CAL));
  setTime(c, 'dtstamp', timeIn(stamp ?? Date.now(), null));
}

/** DTSTART/DTEND from StartTime/EndTime/AllDayEvent, in `zone`. */
function applyTimes(
  c: IcalComponent,
  data: EasElement,
  zone: IcalTimezone | null,
  fallbackStart: number | null,
) {
  const previous = c.getFirstPropertyValue('dtstart') as IcalTime | null;
  const startMs =
    parseEasDate(textOf(data, 'StartTime', CAL)) ?? (previous ? instant(previous, zone) : fallbackStart);
  if (startMs === null) throw new InvalidEasItem('StartTime is required');
  const previousEnd = previous ? instant(endOf(c, previous), zone) - instant(previous, zone) : 0;
  let endMs = parseEasDate(textOf(data, 'EndTime', CAL)) ?? startMs + previousEnd;
  if (endMs < startMs) endMs = startMs;
  const allDay = intOf(data, 'AllDayEvent', CAL) ?? (previous?.isDate ? 1 : 0);
  c.removeAllProperties('duration');
  if (allDay === 1) {
    const start = dateIn(startMs, zone);
    const end = dateIn(endMs, zone);
    if (end.compare(start) <= 0) end.day += 1;
    setTime(c, 'dtstart', start);
    setTime(c, 'dtend', end);
  } else {
    setTime(c, 'dtstart', timeIn(startMs, zone));
    setTime(c, 'dtend', timeIn(endMs, zone));
  }
}

/** The zone for the event: the device's TimeZone, reusing the stored VTIMEZONE when its rules match. */
function applyZone(vcalendar: IcalComponent, master: IcalComponent, data: EasElement): IcalTimezone | null {
  const stored = zoneOfStart(master.getFirstPropertyValue('dtstart') as IcalTime | null, null);
  const blob = textOf(data, 'TimeZone', CAL);
  const info = blob ? decodeTimeZone(blob) : null;
  if (!info) return stored.zone;
  if (info.bias + info.standardBias === 0 && !info.daylight) return null;
  if (stored.vtimezone && sameRules(infoFromVtimezone(stored.vtimezone), info)) return stored.zone;
  const vtimezone = vtimezoneFor(info);
  const tzid = String(vtimezone.getFirstPropertyValue('tzid'));
  for (const old of vcalendar.getAllSubcomponents('vtimezone'))
    if (String(old.getFirstPropertyValue('tzid')) === tzid) vcalendar.removeSubcomponent(old);
  vcalendar.addSubcomponent(vtimezone);
  return new ICAL.Timezone(vtimezone);
}

function recurrenceIdTime(ms: number, master: IcalComponent, zone: IcalTimezone | null): IcalTime {
  const start = master.getFirstPropertyValue('dtstart') as IcalTime;
  return start.isDate ? dateIn(ms, zone) : timeIn(ms, zone);
}

function applyRecurrence(master: IcalComponent, data: EasElement, a: Apply, zone: IcalTimezone | null): void {
  const recurrence = child(data, 'Recurrence', CAL);
  const ghosted = !!a.ctx.supported && !a.ctx.supported.has('Recurrence');
  if (!recurrence && ghosted) return;
  master.removeAllProperties('rrule');
  const rule = recurrence ? ruleFromRecurrence(recurrence, CAL) : null;
  if (!rule) return;
  let text = rule.rule;
  if (rule.untilMs !== null) {
    const until = recurrenceIdTime(rule.untilMs, master, zone);
    text += `;UNTIL=${until.isDate ? until.toICALString() : timeIn(rule.untilMs, null).toICALString()}`;
  }
  master.addPropertyWithValue('rrule', ICAL.Recur.fromString(text));
}

function applyExceptions(
  vcalendar: IcalComponent,
  master: IcalComponent,
  data: EasElement,
  a: Apply,
  zone: IcalTimezone | null,
) {
  const list = child(data, 'Exceptions', CAL);
  const ghosted = !!a.ctx.supported && !a.ctx.supported.has('Exceptions');
  if (!list && ghosted) return;
  const overrides = new Map<number, IcalComponent>();
  for (const o of vcalendar.getAllSubcomponents('vevent')) {
    if (!o.hasProperty('recurrence-id')) continue;
    overrides.set(instant(o.getFirstPropertyValue('recurrence-id') as IcalTime, zone), o);
    vcalendar.removeSubcomponent(o);
  }
  master.removeAllProperties('exdate');
  if (!master.hasProperty('rrule')) return;
  const span = (() => {
    const s = master.getFirstPropertyValue('dtstart') as IcalTime;
    return instant(endOf(master, s), zone) - instant(s, zone);
  })();
  // One exception per instance: a device listing an instance twice gets its last word.
  const byId = new Map<string, { idMs: number; id: IcalTime; e: EasElement }>();
  for (const e of childrenNamed(list, 'Exception')) {
    const at = parseEasDate(textOf(e, 'ExceptionStartTime', CAL) ?? textOf(e, 'InstanceId', BASE));
    if (at === null) continue;
    const id = recurrenceIdTime(at, master, zone);
    byId.set(id.toString(), { idMs: instant(id, zone), id, e });
  }
  for (const { idMs, id, e } of byId.values()) {
    if (textOf(e, 'Deleted', CAL) === '1') {
      const p = new ICAL.Property('exdate');
      p.setValue(id);
      if (!id.isDate && zone) p.setParameter('tzid', zone.tzid);
      master.addProperty(p);
      continue;
    }
    const base = overrides.get(idMs) ?? master;
    const o = new ICAL.Component(JSON.parse(JSON.stringify(base.toJSON())) as unknown[]);
    for (const p of ['rrule', 'rdate', 'exdate', 'exrule']) o.removeAllProperties(p);
    if (!child(e, 'StartTime', CAL)) setTime(o, 'dtstart', id.isDate ? id : timeIn(idMs, zone));
    applyTimes(o, e, zone, idMs);
    if (!child(e, 'EndTime', CAL) && !child(e, 'StartTime', CAL) && !id.isDate)
      setTime(o, 'dtend', timeIn(idMs + span, zone));
    applyCommon(o, e, { ...a, top: false });
    setTime(o, 'recurrence-id', id);
    vcalendar.addSubcomponent(o);
  }
}

/** The iCalendar text for a device's event: new (existing null) or the stored one changed. */
export function applicationDataToEvent(
  data: EasElement,
  existing: string | null,
  ctx: CalendarImportContext,
): string {
  const vcalendar = existing ? parseVcalendar(existing) : newVcalendar();
  vcalendar.removeAllProperties('method');
  let master = vcalendar.getAllSubcomponents('vevent').find((e) => !e.hasProperty('recurrence-id')) ?? null;
  if (!master) {
    master = new ICAL.Component('vevent');
    vcalendar.addSubcomponent(master);
  }
  if (!master.hasProperty('uid')) {
    const uid = (textOf(data, 'UID', CAL) ?? textOf(data, 'ClientUid', CAL) ?? '').trim();
    setText(master, 'uid', uid && uid.length <= 255 ? uid : randomUUID());
  }
  const a: Apply = { ctx, top: true };
  const zone = applyZone(vcalendar, master, data);
  applyTimes(master, data, zone, null);
  applyCommon(master, data, a);
  const organizer = textOf(data, 'OrganizerEmail', CAL)?.trim();
  if (organizer) {
    const p = new ICAL.Property('organizer');
    p.setValue(`mailto:${organizer}`);
    const name = textOf(data, 'OrganizerName', CAL);
    if (name) p.setParameter('cn', name);
    master.removeAllProperties('organizer');
    master.addProperty(p);
  } else if (master.hasProperty('attendee') && !master.hasProperty('organizer') && ctx.selfAddress) {
    // RFC 5545 §3.8.4.1: a meeting (ATTENDEEs) has an ORGANIZER; a device's meeting is the user's.
    master.addPropertyWithValue('organizer', `mailto:${ctx.selfAddress}`);
  } else if (!master.hasProperty('attendee')) master.removeAllProperties('organizer');
  applyRecurrence(master, data, a, zone);
  applyExceptions(vcalendar, master, data, a, zone);
  // VTIMEZONEs nothing refers to any more go (the device may have moved the event to another zone).
  const used = new Set(
    vcalendar
      .getAllSubcomponents('vevent')
      .flatMap((e) => e.getAllProperties())
      .map((p) => p.getParameter('tzid'))
      .filter(Boolean)
      .map(String),
  );
  for (const tz of vcalendar.getAllSubcomponents('vtimezone'))
    if (!used.has(String(tz.getFirstPropertyValue('tzid')))) vcalendar.removeSubcomponent(tz);
  return vcalendar.toString() + '\r\n';
}
