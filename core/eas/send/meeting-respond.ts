/**
 * Answering one meeting request for the account (MeetingResponse): the event is found from the
 * request mail (its iTIP REQUEST, by UID in the account's calendars; added to the default calendar
 * if the invitation never reached it) or as the calendar item itself. The account's PARTSTAT is
 * set in its copy through the PIM store (so CalDAV and Sync see it), and the REPLY goes to the
 * organizer through core/pim/scheduling: delivered to a local organizer's calendar, mailed by
 * iMIP to a remote one. Protocol 16.x sends only when the device asked (SendResponse); before
 * 16.0 the device mails its own response (MS-ASCMD §2.2.1.11), so only a local organizer's
 * calendar is updated, without a second mail.
 */
import type { MessageAcceptor } from '../../delivery/message-acceptor';
import type { Directory } from '../../directory/directory';
import { extractCalendarFields } from '../../pim/ical';
import type { IcalComponent } from '../../pim/ical/ical-lib';
import type { PimStore } from '../../pim/pim-store';
import {
  deliverLocally,
  findByUid,
  itipFromMail,
  onCalendarObjectChanged,
  type SchedulingDeps,
} from '../../pim/scheduling';
import {
  attendeeProperty,
  parseCalendarText,
  participants,
  scheduledComponents,
} from '../../pim/scheduling/itip';
import type { PimCollection, PimObject } from '../../pim/types';
import type { BlobStore } from '../../ports/blob-store';
import type { SqlDatabase } from '../../ports/sql';
import { versionAtLeast } from '../protocol';
import type { MeetingAnswer } from './meeting-request';
import { occurrenceComponent } from './meeting-instance';
import { loadOriginal, parseMailItemId } from './original';
import { MeetingStatus } from './status';

export interface MeetingDeps {
  db: SqlDatabase;
  blobs: BlobStore;
  directory: Pick<Directory, 'getAccount'>;
  pimStore: PimStore;
  acceptor?: Pick<MessageAcceptor, 'accept'>;
}

export interface MeetingOutcome {
  status: number;
  /** The calendar item's ServerId (accepted or tentative). */
  calendarId?: string;
}

interface Located {
  collection: PimCollection;
  object: PimObject;
}

/** iCalendar from a mail or the store; what ical.js cannot read is no meeting (Status 2). */
function parsed(text: string): IcalComponent | null {
  try {
    return parseCalendarText(text);
  } catch {
    return null;
  }
}

const CALENDAR_ITEM = /^c([1-9][0-9]{0,15}):([1-9][0-9]{0,15})$/;

async function calendarItem(
  store: PimStore,
  accountId: number,
  answer: MeetingAnswer,
): Promise<Located | null> {
  const m = CALENDAR_ITEM.exec(answer.requestId);
  if (!m || (answer.collectionId !== undefined && answer.collectionId !== `c${m[1]}`)) return null;
  const collection = (await store.collections(accountId, 'calendars')).find(
    (c) => c.id === Number(m[1]) && c.kind === 'calendar',
  );
  if (!collection) return null;
  const object = (await store.objects.list(collection.id)).find((o) => o.id === Number(m[2]));
  return object ? { collection, object } : null;
}

/** The event a meeting request mail is about, in the account's calendars. */
async function fromRequestMail(
  deps: MeetingDeps,
  account: { id: number; address: string },
  answer: MeetingAnswer,
): Promise<Located | null> {
  const item = parseMailItemId(answer.requestId);
  if (!item || (answer.collectionId !== undefined && answer.collectionId !== `m${item.mailboxId}`))
    return null;
  const mail = await loadOriginal(deps.db, deps.blobs, account.id, item);
  const received = mail ? itipFromMail(mail.raw) : null;
  if (!received) return null;
  const message = parsed(received.itip);
  if (!message) return null;
  if (String(message.getFirstPropertyValue('method') ?? '').toUpperCase() !== 'REQUEST') return null;
  const { uid, organizer } = participants(message);
  if (!uid || !organizer) return null;
  // Not in the calendar yet: put it there as the iMIP receiver would. The receiver may be filing
  // the same mail at this moment (its schedule-inbox write or its calendar write wins, ours
  // fails): then look again, and try again once its write is done.
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await findByUid(deps.pimStore, account.id, uid);
    if (found) return found;
    try {
      await deliverLocally(deps.pimStore, account, 'REQUEST', received.itip, organizer);
    } catch {
      // Refused (size, quota) or lost a race: the next round tells which.
    }
  }
  return findByUid(deps.pimStore, account.id, uid);
}

function schedulingDeps(deps: MeetingDeps, mailRemote: boolean): SchedulingDeps {
  return {
    store: deps.pimStore,
    localAccount: async (address) => {
      const found = await deps.directory.getAccount(address);
      return found && !found.disabled ? { id: found.id, address: found.address } : null;
    },
    submit: async (input) => {
      if (!mailRemote) return null; // the device mails its own response (before 16.0)
      if (!deps.acceptor) throw new Error('no outbound mail path on this node');
      return deps.acceptor.accept(input);
    },
  };
}

export async function respondToMeeting(
  deps: MeetingDeps,
  account: { id: number; address: string },
  version: string,
  answer: MeetingAnswer,
): Promise<MeetingOutcome> {
  const located =
    (await calendarItem(deps.pimStore, account.id, answer)) ?? (await fromRequestMail(deps, account, answer));
  if (!located) return { status: MeetingStatus.InvalidRequest };
  const me = account.address.toLowerCase();
  const vcalendar = parsed(located.object.data);
  if (!vcalendar) return { status: MeetingStatus.InvalidRequest };
  const { organizer } = participants(vcalendar);
  // Only an invitee answers; the organizer's own meeting is not a request (Status 2).
  if (!organizer || organizer === me) return { status: MeetingStatus.InvalidRequest };
  const targets = answer.instanceId
    ? [occurrenceComponent(vcalendar, answer.instanceId)].filter((c) => c !== null)
    : scheduledComponents(vcalendar);
  const mine = targets.map((c) => attendeeProperty(c, me)).filter((p) => p !== null);
  if (mine.length === 0) return { status: MeetingStatus.InvalidRequest };
  for (const p of mine) {
    p.setParameter('partstat', answer.partstat);
    p.removeParameter('rsvp');
  }
  const after = vcalendar.toString() + '\r\n';
  try {
    await deps.pimStore.objects.put(
      located.collection,
      {
        name: located.object.name,
        data: after,
        contentType: 'text/calendar',
        ...extractCalendarFields(after),
      },
      { ifMatch: [located.object.etag] },
    );
  } catch {
    // Changed meanwhile, or the store refused it: the device retries (Status 3 is transient).
    return { status: MeetingStatus.MailboxError };
  }
  const is16 = versionAtLeast(version, '16.0');
  if (!is16 || answer.sendResponse) {
    await onCalendarObjectChanged(schedulingDeps(deps, is16), {
      account,
      collectionId: located.collection.id,
      before: located.object.data,
      after,
    });
  }
  const calendarId = `c${located.collection.id}:${located.object.id}`;
  return answer.partstat === 'DECLINED'
    ? { status: MeetingStatus.Success }
    : { status: MeetingStatus.Success, calendarId };
}
