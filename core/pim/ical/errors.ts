/** Errors of the iCalendar layer, each naming the CalDAV precondition a server reports (RFC 4791). */

/** CalDAV preconditions a PUT of calendar data can fail (RFC 4791 §5.3.2.1). */
export type CalendarDataPrecondition =
  | 'valid-calendar-data'
  | 'valid-calendar-object-resource'
  | 'supported-calendar-component'
  | 'supported-calendar-data';

/** Calendar data a calendar collection must refuse (403 with the precondition element). */
export class InvalidCalendarData extends Error {
  constructor(
    readonly precondition: CalendarDataPrecondition,
    readonly reason: string,
  ) {
    super(`${precondition}: ${reason}`);
    this.name = 'InvalidCalendarData';
  }
}

/** A calendar-query or free-busy-query body that is not valid (400 with CALDAV:valid-filter). */
export class InvalidCalendarQuery extends Error {
  constructor(
    readonly reason: string,
    /** supported-collation and valid-calendar-data (a bad CALDAV:timezone) answer 403, the others 400. */
    readonly precondition:
      'valid-filter' | 'supported-filter' | 'supported-collation' | 'valid-calendar-data' = 'valid-filter',
  ) {
    super(`${precondition}: ${reason}`);
    this.name = 'InvalidCalendarQuery';
  }
}
