/** A parsed CalDAV calendar-query REPORT (RFC 4791 §7.8, §9.6–§9.9). */

/** CALDAV:time-range: an absent bound is open (−∞ or +∞). */
export interface TimeRange {
  start: Date | null;
  end: Date | null;
}

export type Collation = 'i;ascii-casemap' | 'i;octet' | 'i;unicode-casemap';

export interface TextMatch {
  text: string;
  collation: Collation;
  negate: boolean;
}

export interface ParamFilter {
  /** Upper case, e.g. "PARTSTAT". */
  name: string;
  isNotDefined: boolean;
  textMatch: TextMatch | null;
}

export interface PropFilter {
  name: string;
  isNotDefined: boolean;
  timeRange: TimeRange | null;
  textMatch: TextMatch | null;
  paramFilters: ParamFilter[];
}

export interface CompFilter {
  /** Upper case, e.g. "VEVENT". */
  name: string;
  isNotDefined: boolean;
  timeRange: TimeRange | null;
  propFilters: PropFilter[];
  compFilters: CompFilter[];
}

/** CALDAV:comp inside calendar-data: which components and properties to return. */
export interface CompSelection {
  name: string;
  /** allprop, or no prop element at all. */
  allProps: boolean;
  props: { name: string; noValue: boolean }[];
  allComps: boolean;
  comps: CompSelection[];
}

/** CALDAV:calendar-data in a DAV:prop (calendar-query and calendar-multiget). */
export interface CalendarDataRequest {
  comp: CompSelection | null;
  /** Both bounds are required by RFC 4791 §9.6.5. */
  expand: { start: Date; end: Date } | null;
  limitRecurrenceSet: { start: Date; end: Date } | null;
  limitFreebusySet: { start: Date; end: Date } | null;
}

export interface CalendarQuery {
  /** The comp-filter for VCALENDAR. */
  filter: CompFilter;
  /** CALDAV:timezone: a VCALENDAR holding one VTIMEZONE, for floating times (null: the calendar's). */
  timezone: string | null;
  /** The calendar-data the client asked for in DAV:prop, if it did. */
  calendarData: CalendarDataRequest | null;
}
