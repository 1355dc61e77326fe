/** REPORT (RFC 3253 §3.6): dispatch on the body's root element. */
import type { WebResponse } from '../web/types';
import { xmlResponse, type DavContext } from './context';
import { multiget } from './report-multiget';
import { addressbookQuery, calendarQuery, freeBusyQuery } from './report-query';
import { syncCollection } from './report-sync';
import type { Resource } from './resource';
import { DavError, is, NS, parseXml } from './xml';

export async function report(dav: DavContext, resource: Resource): Promise<WebResponse> {
  const body = parseXml(dav.request.body);
  if (!body) throw new DavError(400, 'REPORT needs a body');
  if (resource.type === 'missing') throw new DavError(404, 'not found');
  const name = body.localName;
  if (is(body, NS.dav, 'sync-collection')) return xmlResponse(207, await syncCollection(dav, resource, body));
  if (is(body, NS.caldav, 'calendar-multiget') || is(body, NS.carddav, 'addressbook-multiget'))
    return xmlResponse(207, await multiget(dav, body));
  if (is(body, NS.carddav, 'addressbook-query'))
    return xmlResponse(207, await addressbookQuery(dav, resource, body));
  if (is(body, NS.caldav, 'calendar-query'))
    return xmlResponse(207, await calendarQuery(dav, resource, body));
  if (is(body, NS.caldav, 'free-busy-query'))
    return {
      status: 200,
      headers: { 'content-type': 'text/calendar; charset=utf-8' },
      body: await freeBusyQuery(dav, resource, body),
    };
  throw new DavError(403, `REPORT ${name} is not supported`, '{DAV:}supported-report');
}
