/**
 * Incoming iMIP (RFC 6047) for a local account, called at delivery: a REPLY from an attendee
 * updates the organizer's event (only when the mail's From is that attendee, so a forged reply
 * can't answer for someone else); a REQUEST or CANCEL from the event's organizer is delivered
 * like a local invitation (schedule inbox, then the calendar copy) when the recipient is one of
 * its attendees.
 */
import { itipFromMail } from './imip-mail';
import { parseCalendarText, participants, scheduledComponents, type ItipMethod } from './itip';
import { deliverLocally, type DeliveryOutcome } from './local-delivery';
import { mailtoAddress, type LocalAccount, type SchedulingDeps } from './ports';

export interface ImipOutcome {
  method: ItipMethod | null;
  outcome: DeliveryOutcome | 'not-itip' | 'forged';
}

/** Best effort, never throws: mail delivery goes on whatever the calendar side makes of it. */
export async function applyImipMessage(
  deps: Pick<SchedulingDeps, 'store'>,
  recipientAccount: LocalAccount,
  mime: Buffer | string,
): Promise<ImipOutcome> {
  try {
    const raw = typeof mime === 'string' ? Buffer.from(mime, 'utf8') : mime;
    const received = itipFromMail(raw);
    if (!received) return { method: null, outcome: 'not-itip' };
    const message = parseCalendarText(received.itip);
    const method = String(message.getFirstPropertyValue('method') ?? '').toUpperCase();
    const info = participants(message);
    if (method === 'REPLY') {
      const replying = scheduledComponents(message)
        .flatMap((c) => c.getAllProperties('attendee'))
        .map((p) => mailtoAddress(p.getFirstValue()))
        .find((a): a is string => a !== null);
      if (!replying || replying !== received.from) return { method, outcome: 'forged' };
      return {
        method,
        outcome: await deliverLocally(deps.store, recipientAccount, 'REPLY', received.itip, replying),
      };
    }
    if (method === 'REQUEST' || method === 'CANCEL') {
      if (!info.organizer || info.organizer !== received.from) return { method, outcome: 'forged' };
      // Only an invitation that names the recipient (not one forwarded, or sent to a list).
      const me = recipientAccount.address.toLowerCase();
      if (!info.attendees.some((a) => a.address === me)) return { method, outcome: 'ignored' };
      return {
        method,
        outcome: await deliverLocally(deps.store, recipientAccount, method, received.itip, info.organizer),
      };
    }
    return { method: null, outcome: 'not-itip' };
  } catch {
    return { method: null, outcome: 'ignored' };
  }
}
