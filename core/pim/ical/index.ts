/** iCalendar semantics for CalDAV: validation, queries, expansion and free-busy (RFC 4791, RFC 5545). */
export { InvalidCalendarData, InvalidCalendarQuery, type CalendarDataPrecondition } from './errors';
export { extractCalendarFields, type CalendarFields } from './extract-fields';
export { parseCalendarQuery, parseCalendarDataRequest, parseTimeRange, CALDAV_NS } from './parse-query';
export { matchesCalendarQuery, type MatchOptions } from './match-query';
export { DEFAULT_MAX_INSTANCES } from './instances';
export type * from './query-types';
export { calendarDataFor, type CalendarDataOptions } from './calendar-data';
export {
  freeBusy,
  busyPeriods,
  type FreeBusyOptions,
  type FreeBusyType,
  type BusyPeriods,
} from './free-busy';
