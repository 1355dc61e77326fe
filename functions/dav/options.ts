/** OPTIONS: the DAV compliance classes (RFC 4918 §10.1, RFC 4791 §5.1, RFC 6352 §6.1, RFC 6638 §2) and methods. */
import type { WebResponse } from '../web/types';

export const DAV_CLASSES =
  '1, 3, access-control, calendar-access, addressbook, extended-mkcol, calendar-auto-schedule';
export const ALLOWED =
  'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, MKCALENDAR, COPY, MOVE, REPORT, POST';

export function options(): WebResponse {
  return { status: 200, headers: { dav: DAV_CLASSES, allow: ALLOWED, 'content-length': '0' }, body: '' };
}
