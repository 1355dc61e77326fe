/** Builds CalDAV REPORT bodies for the core/pim/ical tests. */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { parseCalendarQuery, type CalendarQuery } from '../../../core/pim/ical';

export function reportElement(xml: string): Element {
  const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
  if (!doc.documentElement) throw new Error('no document element');
  return doc.documentElement;
}

/** A calendar-query with `filter` inside <C:filter> and optional extra children (timezone, prop). */
export function query(filter: string, extra = ''): CalendarQuery {
  return parseCalendarQuery(
    reportElement(
      `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">${extra}<C:filter>${filter}</C:filter></C:calendar-query>`,
    ),
  );
}

/** <comp-filter VCALENDAR><comp-filter name>inner</comp-filter></comp-filter>. */
export function inCalendar(name: string, inner = ''): string {
  return `<C:comp-filter name="VCALENDAR"><C:comp-filter name="${name}">${inner}</C:comp-filter></C:comp-filter>`;
}

export function timeRange(start?: string, end?: string): string {
  return `<C:time-range${start ? ` start="${start}"` : ''}${end ? ` end="${end}"` : ''}/>`;
}
