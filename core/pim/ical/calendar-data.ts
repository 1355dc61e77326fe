/**
 * CALDAV:calendar-data as the client asked for it (RFC 4791 §9.6): expand (instances in UTC,
 * §9.6.5), limit-recurrence-set (§9.6.6), limit-freebusy-set (§9.6.7), and the comp/prop selection.
 */
import ICAL, {
  type IcalComponent,
  type IcalPeriod,
  type IcalProperty,
  type IcalTime,
  type IcalTimezone,
} from './ical-lib';
import { expandInstances, type Instance } from './instances';
import { parseVcalendar } from './parse-calendar';
import type { CalendarDataRequest, CalendarQuery, CompSelection } from './query-types';
import { instanceOverlaps, type Range } from './time-range';
import { epochMs, timezoneFromText, utcTime } from './time-values';

export interface CalendarDataOptions {
  /** calendar-timezone of the collection, for floating times (the query's CALDAV:timezone wins). */
  timezone?: string | null;
  maxInstances?: number;
}

const RECURRING = ['vevent', 'vtodo', 'vjournal'];

function toRange(r: { start: Date; end: Date }): Range {
  return { start: r.start.getTime(), end: r.end.getTime() };
}

function inUtc(t: IcalTime, zone: IcalTimezone | null): IcalTime {
  return t.isDate ? t.clone() : utcTime(epochMs(t, zone));
}

function setDate(c: IcalComponent, name: string, value: IcalTime | null): void {
  c.removeAllProperties(name);
  if (value) c.addPropertyWithValue(name, value);
}

/** One instance as a stand-alone component with UTC times and no recurrence rule. */
function instanceComponent(instance: Instance, zone: IcalTimezone | null): IcalComponent {
  const c = new ICAL.Component(JSON.parse(JSON.stringify(instance.component.toJSON())) as unknown[]);
  for (const p of ['rrule', 'rdate', 'exdate', 'exrule']) c.removeAllProperties(p);
  setDate(c, 'dtstart', instance.start && inUtc(instance.start, zone));
  setDate(c, c.name === 'vtodo' ? 'due' : 'dtend', instance.end && inUtc(instance.end, zone));
  if (instance.recurrenceId) setDate(c, 'recurrence-id', inUtc(instance.recurrenceId, zone));
  return c;
}

function expand(vcalendar: IcalComponent, range: Range, zone: IcalTimezone | null, max?: number): void {
  for (const name of RECURRING) {
    const components = vcalendar.getAllSubcomponents(name);
    if (components.length === 0) continue;
    const master = components.find((c) => !c.hasProperty('recurrence-id')) ?? null;
    const overrides = components.filter((c) => c.hasProperty('recurrence-id'));
    const { instances } = expandInstances(master, overrides, {
      untilMs: range.end,
      maxInstances: max,
      floatingZone: zone,
    });
    for (const c of components) vcalendar.removeSubcomponent(c);
    for (const i of instances) {
      if (instanceOverlaps(i, range, zone)) vcalendar.addSubcomponent(instanceComponent(i, zone));
    }
  }
  // Every time is now UTC (or a DATE): the VTIMEZONEs have nothing left to define.
  vcalendar.removeAllSubcomponents('vtimezone');
}

/** Keeps the master and the overrides whose instance or RECURRENCE-ID touches the range. */
function limitRecurrenceSet(vcalendar: IcalComponent, range: Range, zone: IcalTimezone | null): void {
  for (const c of [...vcalendar.getAllSubcomponents()]) {
    if (!RECURRING.includes(c.name) || !c.hasProperty('recurrence-id')) continue;
    const instance = expandInstances(null, [c], { floatingZone: zone }).instances[0];
    const id = epochMs(c.getFirstPropertyValue('recurrence-id') as IcalTime, zone);
    const idInRange = id >= range.start && id < range.end;
    if (!idInRange && !instanceOverlaps(instance, range, zone)) vcalendar.removeSubcomponent(c);
  }
}

function limitFreeBusySet(vcalendar: IcalComponent, range: Range, zone: IcalTimezone | null): void {
  for (const fb of vcalendar.getAllSubcomponents('vfreebusy')) {
    for (const p of [...fb.getAllProperties('freebusy')]) {
      const kept = (p.getValues() as IcalPeriod[]).filter((period) => {
        const end = period.end ?? period.getEnd();
        return epochMs(period.start, zone) < range.end && epochMs(end, zone) > range.start;
      });
      if (kept.length === 0) fb.removeProperty(p);
      else p.setValues(kept);
    }
  }
}

function emptied(p: IcalProperty): IcalProperty {
  const bare = new ICAL.Property(p.name);
  for (const [param, value] of Object.entries(p.toJSON()[1] as Record<string, string>))
    bare.setParameter(param, value);
  return bare;
}

/** Drops the components and properties the CALDAV:comp selection doesn't name. */
function select(c: IcalComponent, selection: CompSelection): void {
  if (!selection.allProps) {
    const wanted = new Map(selection.props.map((p) => [p.name.toLowerCase(), p.noValue]));
    for (const p of [...c.getAllProperties()]) {
      if (!wanted.has(p.name)) c.removeProperty(p);
      else if (wanted.get(p.name)) {
        c.removeProperty(p);
        c.addProperty(emptied(p));
      }
    }
  }
  for (const child of [...c.getAllSubcomponents()]) {
    const sub = selection.allComps ? null : selection.comps.find((s) => s.name.toLowerCase() === child.name);
    if (!selection.allComps && !sub) c.removeSubcomponent(child);
    else if (sub) select(child, sub);
  }
}

/** The calendar-data text to return for one object. */
export function calendarDataFor(
  query: CalendarQuery | CalendarDataRequest | null,
  ics: string,
  options: CalendarDataOptions = {},
): string {
  const request = query && 'filter' in query ? query.calendarData : query;
  if (!request) return ics;
  const zone = timezoneFromText(
    (query && 'filter' in query ? query.timezone : null) ?? options.timezone ?? null,
  );
  const vcalendar = parseVcalendar(ics);
  if (request.expand) expand(vcalendar, toRange(request.expand), zone, options.maxInstances);
  else if (request.limitRecurrenceSet)
    limitRecurrenceSet(vcalendar, toRange(request.limitRecurrenceSet), zone);
  if (request.limitFreebusySet) limitFreeBusySet(vcalendar, toRange(request.limitFreebusySet), zone);
  if (request.comp) select(vcalendar, request.comp);
  return vcalendar.toString() + '\r\n';
}
