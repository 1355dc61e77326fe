/**
 * Evaluates a calendar-query filter against one calendar object (RFC 4791 §9.7): comp-filters on
 * each instance of a recurring component (overrides in place of their occurrences), prop-filters
 * and param-filters on the instance's component, time-ranges as §9.9 says.
 */
import type { IcalComponent, IcalProperty, IcalTime, IcalTimezone } from './ical-lib';
import { expandInstances, ownInstance, type Instance } from './instances';
import { parseVcalendar } from './parse-calendar';
import type { CalendarQuery, CompFilter, ParamFilter, PropFilter } from './query-types';
import { textMatches } from './text-match';
import { alarmOverlaps, instanceOverlaps, rangeOf } from './time-range';
import { epochMs, timezoneFromText } from './time-values';

export interface MatchOptions {
  /** calendar-timezone of the collection (VCALENDAR text), used when the query has no CALDAV:timezone. */
  timezone?: string | null;
  /** Cap on expanded occurrences (default DEFAULT_MAX_INSTANCES). */
  maxInstances?: number;
}

interface Context {
  zone: IcalTimezone | null;
  maxInstances?: number;
}

const RECURRING = ['vevent', 'vtodo', 'vjournal'];

function propertyText(p: IcalProperty): string[] {
  return p.getValues().map((v) => (typeof v === 'string' ? v : String(v)));
}

function paramMatches(p: IcalProperty, filter: ParamFilter): boolean {
  const value = p.getParameter(filter.name.toLowerCase()) as string | string[] | undefined;
  if (filter.isNotDefined) return value === undefined;
  if (value === undefined) return false;
  if (!filter.textMatch) return true;
  return textMatches(filter.textMatch, Array.isArray(value) ? value : [value]);
}

/** The instance's own value for DTSTART/DTEND/DUE (shifted occurrences), else the component's. */
function dateOfProperty(p: IcalProperty, instance: Instance | null): IcalTime | null {
  if (instance && p.name === 'dtstart') return instance.start;
  if (instance && (p.name === 'dtend' || p.name === 'due')) return instance.end;
  const v = p.getFirstValue();
  return v && typeof v === 'object' && 'toUnixTime' in v ? (v as IcalTime) : null;
}

function propMatches(c: IcalComponent, filter: PropFilter, instance: Instance | null, ctx: Context): boolean {
  const props = c.getAllProperties(filter.name.toLowerCase());
  if (filter.isNotDefined) return props.length === 0;
  return props.some((p) => {
    if (filter.timeRange) {
      const value = dateOfProperty(p, instance);
      if (!value) return false;
      const t = epochMs(value, ctx.zone);
      const r = rangeOf(filter.timeRange);
      if (!(r.start <= t && r.end > t)) return false;
    }
    if (filter.textMatch && !textMatches(filter.textMatch, propertyText(p))) return false;
    return filter.paramFilters.every((f) => paramMatches(p, f));
  });
}

/** A component (or one instance of it) against the tests of a comp-filter that named it. */
function componentPasses(
  c: IcalComponent,
  filter: CompFilter,
  instance: Instance | null,
  ctx: Context,
): boolean {
  if (filter.timeRange && instance && !instanceOverlaps(instance, rangeOf(filter.timeRange), ctx.zone))
    return false;
  if (!filter.propFilters.every((f) => propMatches(c, f, instance, ctx))) return false;
  return filter.compFilters.every((f) => childMatches(c, f, instance, ctx));
}

/** A comp-filter against the children of `parent` (`parentInstance`: the instance a VALARM belongs to). */
function childMatches(
  parent: IcalComponent,
  filter: CompFilter,
  parentInstance: Instance | null,
  ctx: Context,
): boolean {
  const name = filter.name.toLowerCase();
  const children = parent.getAllSubcomponents(name);
  if (filter.isNotDefined) return children.length === 0;
  if (children.length === 0) return false;
  if (name === 'valarm') {
    return children.some((alarm) => {
      if (filter.timeRange) {
        if (!parentInstance || !alarmOverlaps(alarm, parentInstance, rangeOf(filter.timeRange), ctx.zone))
          return false;
      }
      return componentPasses(alarm, { ...filter, timeRange: null }, null, ctx);
    });
  }
  if (RECURRING.includes(name)) {
    return instancesOf(children, filter, ctx).some((i) => componentPasses(i.component, filter, i, ctx));
  }
  return children.some((c) => componentPasses(c, filter, name === 'vfreebusy' ? ownInstance(c) : null, ctx));
}

function instancesOf(components: IcalComponent[], filter: CompFilter, ctx: Context): Instance[] {
  const master = components.find((c) => !c.hasProperty('recurrence-id')) ?? null;
  const overrides = components.filter((c) => c.hasProperty('recurrence-id'));
  // Occurrences after the range's end can't overlap it (except for alarms before their event, hence
  // no bound when a VALARM filter is nested).
  const untilMs =
    filter.timeRange?.end && filter.compFilters.length === 0 ? filter.timeRange.end.getTime() : undefined;
  return expandInstances(master, overrides, {
    untilMs,
    maxInstances: ctx.maxInstances,
    floatingZone: ctx.zone,
  }).instances;
}

/**
 * Whether a calendar object matches the query's filter. An object that can't be evaluated (stored
 * before validation, or a value ical.js fails on) doesn't match rather than failing the REPORT.
 */
export function matchesCalendarQuery(query: CalendarQuery, ics: string, options: MatchOptions = {}): boolean {
  try {
    return matches(query, ics, options);
  } catch {
    return false;
  }
}

function matches(query: CalendarQuery, ics: string, options: MatchOptions): boolean {
  const vcalendar = parseVcalendar(ics);
  const ctx: Context = {
    zone: timezoneFromText(query.timezone ?? options.timezone ?? null),
    maxInstances: options.maxInstances,
  };
  const top = query.filter;
  if (top.isNotDefined) return false;
  if (!top.propFilters.every((f) => propMatches(vcalendar, f, null, ctx))) return false;
  return top.compFilters.every((f) => childMatches(vcalendar, f, null, ctx));
}
