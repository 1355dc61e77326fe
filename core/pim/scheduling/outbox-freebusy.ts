/**
 * A free-busy request POSTed to the schedule outbox (RFC 6638 §3.2, the VFREEBUSY case of
 * RFC 5546 §3.3): for each ATTENDEE hosted here, a VFREEBUSY REPLY over all their calendars;
 * remote attendees get 5.3 (no scheduling support for that user). The DAV layer wraps the result
 * in a CALDAV:schedule-response.
 */
import { busyPeriods, formatFreeBusy, type BusyPeriods } from '../ical/free-busy';
import type { IcalTime } from '../ical/ical-lib';
import { toDate } from '../ical/time-values';
import { parseCalendarText } from './itip';
import { mailtoAddress, type LocalAccount, type SchedulingDeps } from './ports';

export interface FreeBusyAnswer {
  /** mailto: URI as the request named it. */
  recipient: string;
  /** iTIP REQUEST-STATUS, e.g. "2.0;Success". */
  requestStatus: string;
  calendarData: string | null;
}

export class InvalidScheduleRequest extends Error {}

/** Attendees per request: each local one costs a scan of their calendars. */
export const MAX_FREEBUSY_ATTENDEES = 100;

export async function freeBusyResponse(
  deps: Pick<SchedulingDeps, 'store' | 'localAccount' | 'now'>,
  requester: LocalAccount,
  body: string,
  options: { maxInstances?: number } = {},
): Promise<FreeBusyAnswer[]> {
  let vfreebusy;
  try {
    const vcalendar = parseCalendarText(body);
    if (String(vcalendar.getFirstPropertyValue('method') ?? '').toUpperCase() !== 'REQUEST')
      throw new Error('METHOD');
    vfreebusy = vcalendar.getFirstSubcomponent('vfreebusy');
  } catch {
    throw new InvalidScheduleRequest('not an iTIP REQUEST');
  }
  if (!vfreebusy) throw new InvalidScheduleRequest('no VFREEBUSY');
  const organizer = mailtoAddress(vfreebusy.getFirstPropertyValue('organizer'));
  if (organizer !== requester.address.toLowerCase())
    throw new InvalidScheduleRequest('ORGANIZER is not the requester');
  // ical.js parses values when first read: a malformed DTSTART/DTEND throws here.
  const valueOf = (name: string): IcalTime | null => {
    try {
      return vfreebusy.getFirstPropertyValue(name) as IcalTime | null;
    } catch {
      throw new InvalidScheduleRequest(`VFREEBUSY ${name.toUpperCase()} is not a time`);
    }
  };
  const start = valueOf('dtstart');
  const end = valueOf('dtend');
  if (!start || !end || typeof start !== 'object' || typeof end !== 'object')
    throw new InvalidScheduleRequest('VFREEBUSY needs DTSTART and DTEND');
  // RFC 5546 wants UTC here; a floating time (some clients send one) is read as UTC, never in
  // the server process's own zone.
  const range = { start: toDate(start, null), end: toDate(end, null) };
  if (Number.isNaN(range.start.getTime()) || Number.isNaN(range.end.getTime()))
    throw new InvalidScheduleRequest('VFREEBUSY DTSTART/DTEND are not times');
  if (!(range.end.getTime() > range.start.getTime()))
    throw new InvalidScheduleRequest('DTEND must be after DTSTART');
  const uid = String(vfreebusy.getFirstPropertyValue('uid') ?? '');
  const answers: FreeBusyAnswer[] = [];
  const attendees = vfreebusy.getAllProperties('attendee');
  if (attendees.length === 0) throw new InvalidScheduleRequest('VFREEBUSY names no ATTENDEE');
  if (attendees.length > MAX_FREEBUSY_ATTENDEES)
    throw new InvalidScheduleRequest(`more than ${MAX_FREEBUSY_ATTENDEES} attendees`);
  for (const p of attendees) {
    const recipient = String(p.getFirstValue());
    const address = mailtoAddress(recipient);
    const account = address ? await deps.localAccount(address) : null;
    if (!account) {
      answers.push({ recipient, requestStatus: '5.3;No scheduling support for user', calendarData: null });
      continue;
    }
    await deps.store.ensureDefaults(account.id);
    // Each calendar's floating and all-day events are busy in its own calendar-timezone.
    const busy: BusyPeriods = { BUSY: [], 'BUSY-TENTATIVE': [], 'BUSY-UNAVAILABLE': [] };
    for (const c of await deps.store.collections(account.id, 'calendars')) {
      if (c.kind !== 'calendar') continue;
      const objects = (await deps.store.objects.list(c.id)).map((o) => o.data);
      const found = busyPeriods(objects, range, { timezone: c.timezone, maxInstances: options.maxInstances });
      for (const type of Object.keys(busy) as (keyof BusyPeriods)[]) busy[type].push(...found[type]);
    }
    const calendarData = formatFreeBusy(busy, range, {
      method: 'REPLY',
      now: deps.now?.(),
      extraProperties: [
        ...(uid ? [`UID:${uid}`] : []),
        `ORGANIZER:mailto:${organizer}`,
        `ATTENDEE:mailto:${account.address}`,
      ],
    });
    answers.push({ recipient, requestStatus: '2.0;Success', calendarData });
  }
  return answers;
}
