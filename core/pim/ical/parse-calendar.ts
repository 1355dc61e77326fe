/**
 * Parses a calendar object resource and checks what RFC 4791 §4.1 requires of one stored in a
 * calendar collection: a single VCALENDAR, no METHOD, one type of component (VTIMEZONEs aside), one
 * UID across them, at most one master and distinct RECURRENCE-IDs.
 */
import type { CalendarComponent } from '../types';
import { InvalidCalendarData } from './errors';
import ICAL, { type IcalComponent } from './ical-lib';

const STORABLE: readonly string[] = ['VEVENT', 'VTODO', 'VJOURNAL'];

export interface ParsedCalendar {
  vcalendar: IcalComponent;
  component: CalendarComponent;
  uid: string;
  /** The component without RECURRENCE-ID, if any (an invitation to one instance has none). */
  master: IcalComponent | null;
  /** Overridden instances (components with a RECURRENCE-ID). */
  overrides: IcalComponent[];
}

/** ICAL.parse, with every failure as InvalidCalendarData (valid-calendar-data). */
export function parseVcalendar(ics: string): IcalComponent {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(ics);
  } catch (err) {
    throw new InvalidCalendarData('valid-calendar-data', `not iCalendar: ${(err as Error).message}`);
  }
  // Several top-level components parse as an array of jCal arrays.
  if (!Array.isArray(parsed) || parsed.length === 0 || Array.isArray(parsed[0])) {
    throw new InvalidCalendarData('valid-calendar-data', 'exactly one VCALENDAR is required');
  }
  const root = new ICAL.Component(parsed as unknown[]);
  if (root.name !== 'vcalendar')
    throw new InvalidCalendarData('valid-calendar-data', 'the root is not VCALENDAR');
  return root;
}

/** Parses a calendar object resource; throws InvalidCalendarData for what CalDAV must refuse. */
export function parseCalendarObject(ics: string): ParsedCalendar {
  const vcalendar = parseVcalendar(ics);
  if (vcalendar.hasProperty('method')) {
    throw new InvalidCalendarData(
      'valid-calendar-object-resource',
      'METHOD is not allowed in a stored object',
    );
  }
  const components = vcalendar.getAllSubcomponents().filter((c) => c.name !== 'vtimezone');
  if (components.length === 0) {
    throw new InvalidCalendarData('valid-calendar-object-resource', 'no calendar component');
  }
  for (const c of components) checkDates(c);
  const types = new Set(components.map((c) => c.name.toUpperCase()));
  if (types.size > 1) {
    throw new InvalidCalendarData(
      'valid-calendar-object-resource',
      `mixed components: ${[...types].join(', ')}`,
    );
  }
  const type = [...types][0];
  if (!STORABLE.includes(type)) {
    throw new InvalidCalendarData('supported-calendar-component', `${type} is not stored in calendars`);
  }
  const uids = new Set(components.map((c) => String(c.getFirstPropertyValue('uid') ?? '')));
  const uid = [...uids][0];
  if (uids.size > 1) throw new InvalidCalendarData('valid-calendar-object-resource', 'more than one UID');
  if (!uid) throw new InvalidCalendarData('valid-calendar-object-resource', 'UID is required');
  const masters = components.filter((c) => !c.hasProperty('recurrence-id'));
  if (masters.length > 1) {
    throw new InvalidCalendarData(
      'valid-calendar-object-resource',
      'more than one component without RECURRENCE-ID',
    );
  }
  const overrides = components.filter((c) => c.hasProperty('recurrence-id'));
  const ids = new Set<string>();
  for (const override of overrides) {
    const id = String(override.getFirstPropertyValue('recurrence-id'));
    if (ids.has(id))
      throw new InvalidCalendarData('valid-calendar-object-resource', `RECURRENCE-ID ${id} twice`);
    ids.add(id);
  }
  return { vcalendar, component: type as CalendarComponent, uid, master: masters[0] ?? null, overrides };
}

/** RFC 5545: a VEVENT without METHOD needs DTSTART; DTEND and DURATION exclude each other (also DUE). */
function checkDates(c: IcalComponent): void {
  const name = c.name.toUpperCase();
  try {
    // ical.js decodes values lazily: decoding them all here turns a malformed date or rule into
    // a 403 now instead of an exception in a later query.
    for (const p of c.getAllProperties()) p.getValues();
    for (const alarm of c.getAllSubcomponents('valarm'))
      for (const p of alarm.getAllProperties()) p.getValues();
  } catch (err) {
    throw new InvalidCalendarData('valid-calendar-data', `bad value: ${(err as Error).message}`);
  }
  if (name === 'VEVENT' && !c.hasProperty('dtstart')) {
    throw new InvalidCalendarData('valid-calendar-object-resource', 'VEVENT without DTSTART');
  }
  if (c.hasProperty('duration') && (c.hasProperty('dtend') || c.hasProperty('due'))) {
    throw new InvalidCalendarData('valid-calendar-object-resource', `${name} with DURATION and DTEND/DUE`);
  }
  if ((c.hasProperty('rrule') || c.hasProperty('rdate')) && !c.hasProperty('dtstart')) {
    throw new InvalidCalendarData('valid-calendar-object-resource', `${name} recurs without DTSTART`);
  }
}
