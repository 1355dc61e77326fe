/**
 * CALDAV:calendar-query (RFC 4791 §7.8) from its XML element. Everything the client can get wrong
 * becomes InvalidCalendarQuery; nothing else is thrown (a property test holds us to that).
 */
import type { Element } from '@xmldom/xmldom';
import { InvalidCalendarQuery } from './errors';
import type {
  CalendarDataRequest,
  CalendarQuery,
  Collation,
  CompFilter,
  CompSelection,
  ParamFilter,
  PropFilter,
  TextMatch,
  TimeRange,
} from './query-types';
import { timezoneFromText } from './time-values';

export const CALDAV_NS = 'urn:ietf:params:xml:ns:caldav';
const DAV_NS = 'DAV:';
const COLLATIONS: readonly Collation[] = ['i;ascii-casemap', 'i;octet', 'i;unicode-casemap'];
/** Components a time-range may filter (RFC 4791 §9.9). */
const TIMED = ['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VALARM'];

function elements(el: Element, ns: string, name?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const child = n as Element;
    if (child.namespaceURI === ns && (name === undefined || child.localName === name)) out.push(child);
  }
  return out;
}

function one(el: Element, name: string): Element | null {
  const found = elements(el, CALDAV_NS, name);
  if (found.length > 1) throw new InvalidCalendarQuery(`more than one ${name}`);
  return found[0] ?? null;
}

function nameOf(el: Element): string {
  const name = el.getAttribute('name');
  if (!name) throw new InvalidCalendarQuery(`${el.localName} without name`);
  return name.toUpperCase();
}

/** "20260301T000000Z": CalDAV time-range values are UTC DATE-TIMEs. */
export function parseUtcDateTime(value: string, what: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m) throw new InvalidCalendarQuery(`${what}: "${value}" is not a UTC date-time`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(ms);
  if (
    Number.isNaN(ms) ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 60
  ) {
    throw new InvalidCalendarQuery(`${what}: "${value}" is not a valid date-time`);
  }
  return date;
}

export function parseTimeRange(el: Element): TimeRange {
  const start = el.hasAttribute('start') ? parseUtcDateTime(el.getAttribute('start') ?? '', 'start') : null;
  const end = el.hasAttribute('end') ? parseUtcDateTime(el.getAttribute('end') ?? '', 'end') : null;
  if (!start && !end) throw new InvalidCalendarQuery(`${el.localName} needs start or end`);
  if (start && end && end <= start) throw new InvalidCalendarQuery(`${el.localName}: end is not after start`);
  return { start, end };
}

function boundedRange(el: Element): { start: Date; end: Date } {
  const { start, end } = parseTimeRange(el);
  if (!start || !end) throw new InvalidCalendarQuery(`${el.localName} needs start and end`);
  return { start, end };
}

function parseTextMatch(el: Element): TextMatch {
  const collation = (el.getAttribute('collation') || 'i;ascii-casemap') as Collation;
  if (!COLLATIONS.includes(collation)) {
    throw new InvalidCalendarQuery(`collation ${collation} is not supported`, 'supported-collation');
  }
  const negate = el.getAttribute('negate-condition') ?? 'no';
  if (negate !== 'yes' && negate !== 'no') throw new InvalidCalendarQuery('negate-condition is yes or no');
  return { text: el.textContent ?? '', collation, negate: negate === 'yes' };
}

function parseParamFilter(el: Element): ParamFilter {
  const isNotDefined = one(el, 'is-not-defined') !== null;
  const text = one(el, 'text-match');
  if (isNotDefined && text) throw new InvalidCalendarQuery('param-filter with is-not-defined and text-match');
  return { name: nameOf(el), isNotDefined, textMatch: text ? parseTextMatch(text) : null };
}

function parsePropFilter(el: Element): PropFilter {
  const isNotDefined = one(el, 'is-not-defined') !== null;
  const range = one(el, 'time-range');
  const text = one(el, 'text-match');
  if (range && text) throw new InvalidCalendarQuery('prop-filter with time-range and text-match');
  const paramFilters = elements(el, CALDAV_NS, 'param-filter').map(parseParamFilter);
  if (isNotDefined && (range || text || paramFilters.length)) {
    throw new InvalidCalendarQuery('prop-filter with is-not-defined and other tests');
  }
  return {
    name: nameOf(el),
    isNotDefined,
    timeRange: range ? parseTimeRange(range) : null,
    textMatch: text ? parseTextMatch(text) : null,
    paramFilters,
  };
}

function parseCompFilter(el: Element, depth: number): CompFilter {
  if (depth > 8) throw new InvalidCalendarQuery('comp-filter nested too deep');
  const name = nameOf(el);
  const isNotDefined = one(el, 'is-not-defined') !== null;
  const range = one(el, 'time-range');
  if (range && !TIMED.includes(name)) throw new InvalidCalendarQuery(`time-range is not defined on ${name}`);
  const propFilters = elements(el, CALDAV_NS, 'prop-filter').map(parsePropFilter);
  const compFilters = elements(el, CALDAV_NS, 'comp-filter').map((c) => parseCompFilter(c, depth + 1));
  if (isNotDefined && (range || propFilters.length || compFilters.length)) {
    throw new InvalidCalendarQuery('comp-filter with is-not-defined and other tests');
  }
  return { name, isNotDefined, timeRange: range ? parseTimeRange(range) : null, propFilters, compFilters };
}

function parseCompSelection(el: Element, depth: number): CompSelection {
  if (depth > 8) throw new InvalidCalendarQuery('comp nested too deep');
  const props = elements(el, CALDAV_NS, 'prop').map((p) => ({
    name: nameOf(p),
    noValue: p.getAttribute('novalue') === 'yes',
  }));
  const comps = elements(el, CALDAV_NS, 'comp').map((c) => parseCompSelection(c, depth + 1));
  const allProps = one(el, 'allprop') !== null || props.length === 0;
  const allComps = one(el, 'allcomp') !== null || comps.length === 0;
  return { name: nameOf(el), allProps, props, allComps, comps };
}

/** CALDAV:calendar-data of a DAV:prop (calendar-query, calendar-multiget). */
export function parseCalendarDataRequest(el: Element): CalendarDataRequest {
  const type = el.getAttribute('content-type');
  if (type && type.toLowerCase() !== 'text/calendar') {
    throw new InvalidCalendarQuery(`calendar-data content-type ${type} is not supported`, 'supported-filter');
  }
  const comp = one(el, 'comp');
  if (comp && nameOf(comp) !== 'VCALENDAR')
    throw new InvalidCalendarQuery('calendar-data comp is not VCALENDAR');
  const expand = one(el, 'expand');
  const limit = one(el, 'limit-recurrence-set');
  if (expand && limit) throw new InvalidCalendarQuery('expand and limit-recurrence-set together');
  const freebusy = one(el, 'limit-freebusy-set');
  return {
    comp: comp ? parseCompSelection(comp, 0) : null,
    expand: expand ? boundedRange(expand) : null,
    limitRecurrenceSet: limit ? boundedRange(limit) : null,
    limitFreebusySet: freebusy ? boundedRange(freebusy) : null,
  };
}

/** The CALDAV:calendar-query element of a REPORT body. */
export function parseCalendarQuery(report: Element): CalendarQuery {
  if (report.namespaceURI !== CALDAV_NS || report.localName !== 'calendar-query') {
    throw new InvalidCalendarQuery('not a calendar-query');
  }
  const filter = one(report, 'filter');
  if (!filter) throw new InvalidCalendarQuery('calendar-query without filter');
  const top = elements(filter, CALDAV_NS, 'comp-filter');
  if (top.length !== 1) throw new InvalidCalendarQuery('filter needs exactly one comp-filter');
  const vcalendar = parseCompFilter(top[0], 0);
  if (vcalendar.name !== 'VCALENDAR') throw new InvalidCalendarQuery('the top comp-filter must be VCALENDAR');
  const tzElement = one(report, 'timezone');
  const timezone = tzElement ? (tzElement.textContent ?? '') : null;
  if (timezone !== null && !timezoneFromText(timezone)) {
    throw new InvalidCalendarQuery('timezone is not a VTIMEZONE', 'valid-calendar-data');
  }
  let calendarData: CalendarDataRequest | null = null;
  for (const prop of elements(report, DAV_NS, 'prop')) {
    const data = one(prop, 'calendar-data');
    if (data) calendarData = parseCalendarDataRequest(data);
  }
  return { filter: vcalendar, timezone, calendarData };
}
