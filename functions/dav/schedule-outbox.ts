/**
 * POST to the schedule outbox (RFC 6638 §5 free-busy, RFC 5546 §3.3 VFREEBUSY REQUEST): the
 * owner asks for the busy time of attendees; the answer is a CALDAV:schedule-response (§10.2)
 * with one CALDAV:response per ATTENDEE — recipient, request-status and, for an attendee hosted
 * here, the VFREEBUSY REPLY as calendar-data. Everything else an iTIP client might POST is done
 * by implicit scheduling on PUT (the calendar-auto-schedule feature), so it is refused.
 */
import { freeBusyResponse, InvalidScheduleRequest, type FreeBusyAnswer } from '../../core/pim/scheduling';
import type { WebResponse } from '../web/types';
import { domainOf, xmlResponse, type DavContext } from './context';
import type { Resource } from './resource';
import { DavError, element, escapeXml, NS, xmlDocument } from './xml';

const CAL = (local: string) => `{${NS.caldav}}${local}`;

/** Whether a POST is for the outbox (the JSON sharing POST handles the rest). */
export const isOutbox = (resource: Resource): boolean =>
  resource.type === 'collection' && resource.collection.kind === 'schedule-outbox';

function mediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0].trim().toLowerCase();
}

function responseElement(answer: FreeBusyAnswer): string {
  return element(
    CAL('response'),
    element(CAL('recipient'), element('{DAV:}href', escapeXml(answer.recipient))) +
      element(CAL('request-status'), escapeXml(answer.requestStatus)) +
      (answer.calendarData === null ? '' : element(CAL('calendar-data'), escapeXml(answer.calendarData))),
  );
}

export async function scheduleOutboxPost(dav: DavContext, resource: Resource): Promise<WebResponse> {
  if (resource.type !== 'collection' || resource.collection.kind !== 'schedule-outbox')
    throw new DavError(403, 'not a schedule outbox', CAL('supported-collection'));
  // schedule-send is the owner's alone (RFC 6638 §6.1.1): a grantee can't ask in their name.
  if (resource.owner.id !== dav.user.id)
    throw new DavError(403, 'only the owner schedules from this outbox', '{DAV:}need-privileges');
  if (mediaType(dav.request.headers['content-type']) !== 'text/calendar')
    throw new DavError(415, 'the outbox takes text/calendar', CAL('supported-calendar-data'));
  const max = dav.store.limits.maxResourceSize;
  if (dav.request.body.length > max)
    throw new DavError(403, `larger than ${max} bytes`, CAL('max-resource-size'));
  const body = dav.request.body.toString('utf8');
  let answers: FreeBusyAnswer[];
  try {
    answers = await freeBusyResponse(
      {
        store: dav.store,
        // Only the requester's own domain: another tenant's users are as unknown as remote ones.
        localAccount: async (address) => {
          if (domainOf(address) !== dav.user.domain) return null;
          const account = await dav.web.directory.getAccount(address);
          return account && !account.disabled ? { id: account.id, address: account.address } : null;
        },
      },
      { id: dav.user.id, address: dav.user.address },
      body,
      { maxInstances: dav.store.limits.maxInstances },
    );
  } catch (error) {
    if (error instanceof InvalidScheduleRequest)
      throw new DavError(
        403,
        error.message,
        error.message.startsWith('ORGANIZER') ? CAL('organizer-allowed') : CAL('valid-scheduling-message'),
      );
    throw error;
  }
  return xmlResponse(200, xmlDocument(CAL('schedule-response'), answers.map(responseElement).join('')));
}
