/**
 * calendar-data and address-data inside a REPORT's DAV:prop (RFC 4791 §9.6, RFC 6352 §10.4):
 * the stored text, or the parts the client asked for (D2's calendarDataFor; vcardWithProperties).
 */
import type { Element } from '@xmldom/xmldom';
import {
  calendarDataFor,
  InvalidCalendarQuery,
  parseCalendarDataRequest,
  type CalendarDataOptions,
  type CalendarDataRequest,
} from '../../core/pim/ical';
import { vcardWithProperties } from '../../core/pim/vcard';
import { child, children, DavError, escapeXml, NS } from './xml';

export const CALENDAR_DATA = `{${NS.caldav}}calendar-data`;
export const ADDRESS_DATA = `{${NS.carddav}}address-data`;

export interface DataRequest {
  calendar: CalendarDataRequest | null | undefined;
  /** undefined: not asked; null: the whole card; names: only these properties. */
  address: string[] | null | undefined;
}

export function dataRequest(report: Element): DataRequest {
  const prop = child(report, NS.dav, 'prop');
  const cal = prop ? child(prop, NS.caldav, 'calendar-data') : null;
  const card = prop ? child(prop, NS.carddav, 'address-data') : null;
  let calendar: CalendarDataRequest | null | undefined;
  try {
    calendar = cal ? parseCalendarDataRequest(cal) : undefined;
  } catch (error) {
    if (error instanceof InvalidCalendarQuery)
      throw new DavError(400, error.reason, `{${NS.caldav}}${error.precondition}`);
    throw error;
  }
  const names = card ? children(card, NS.carddav, 'prop').map((p) => p.getAttribute('name') ?? '') : [];
  return { calendar, address: card ? (names.length ? names : null) : undefined };
}

/**
 * The extra property values for one object's propstat. `options`: the time zone for floating and
 * all-day values in `expand` (the query's CALDAV:timezone, else the calendar's) and the cap.
 */
export function dataFor(
  request: DataRequest,
  contentType: string,
  data: string,
  options: CalendarDataOptions = {},
): Map<string, string> {
  const extra = new Map<string, string>();
  if (request.calendar !== undefined && contentType === 'text/calendar')
    extra.set(CALENDAR_DATA, escapeXml(calendarDataFor(request.calendar, data, options)));
  if (request.address !== undefined && contentType === 'text/vcard')
    extra.set(
      ADDRESS_DATA,
      escapeXml(request.address === null ? data : vcardWithProperties(data, request.address)),
    );
  return extra;
}
