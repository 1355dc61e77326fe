/**
 * Implicit scheduling (RFC 6638 §3.2): after a PUT or DELETE in a calendar, the server sends the
 * iTIP messages the change implies. The organizer's change sends REQUEST to the attendees (all of
 * them when something they see changed, else only the new ones) and CANCEL to removed attendees
 * (or to everyone on DELETE); an attendee's PARTSTAT change, or their DELETE (as DECLINED), sends
 * a REPLY to the organizer, with only the instances (master, overrides) whose answer changed. Local recipients get it delivered (local-delivery.ts), remote ones
 * by iMIP mail through the outbound path. Best effort per recipient: the PUT has already succeeded.
 */
import type { IcalComponent } from '../ical/ical-lib';
import { buildImipMail, markItipApplied } from './imip-mail';
import {
  attendeeProperty,
  organizerMessage,
  parseCalendarText,
  participants,
  replyMessage,
  scheduledComponents,
  significantContent,
  type ItipMethod,
} from './itip';
import { changedAnswers, recurrenceKey, removedInstances } from './instances';
import { deliverLocally } from './local-delivery';
import type { LocalAccount, SchedulingDeps } from './ports';

export interface CalendarObjectChange {
  account: LocalAccount;
  collectionId: number;
  /** The object before the change (null: created). */
  before: string | null;
  /** The object after the change (null: deleted). */
  after: string | null;
}

export interface SchedulingResult {
  method: ItipMethod | null;
  local: string[];
  remote: string[];
  failed: { address: string; error: string }[];
}

function parse(ics: string | null): IcalComponent | null {
  if (!ics) return null;
  try {
    return parseCalendarText(ics);
  } catch {
    return null;
  }
}

/** Sends one iTIP message to recipients: local ones delivered, remote ones mailed together. */
async function send(
  deps: SchedulingDeps,
  method: ItipMethod,
  itip: string,
  sender: string,
  recipients: string[],
  summary: string,
  result: SchedulingResult,
  replyStatus?: string,
): Promise<void> {
  const remote: string[] = [];
  for (const address of recipients) {
    try {
      const account = await deps.localAccount(address);
      if (!account) {
        remote.push(address);
        continue;
      }
      await deliverLocally(deps.store, account, method, itip, sender);
      result.local.push(address);
    } catch (err) {
      result.failed.push({ address, error: (err as Error).message });
    }
  }
  const now = deps.now?.() ?? new Date();
  // Local recipients also get the message as mail in their INBOX (as Exchange does: phones on
  // ActiveSync and plain IMAP clients show invitations and answers from there), marked as already
  // applied so delivery does not apply it to the calendar a second time.
  const notified = recipients.filter((address) => result.local.includes(address));
  if (notified.length > 0) {
    const data = markItipApplied(
      buildImipMail({ method, from: sender, to: notified, summary, itip, now }, replyStatus),
    );
    await deps
      .submit({
        data,
        mailFrom: sender,
        recipients: notified.map((address) => ({ address })),
        authenticatedAs: sender,
      })
      .catch(() => undefined); // the calendar side is done; the notice is best effort
  }
  if (remote.length === 0) return;
  const data = buildImipMail({ method, from: sender, to: remote, summary, itip, now }, replyStatus);
  try {
    await deps.submit({
      data,
      mailFrom: sender,
      recipients: remote.map((address) => ({ address })),
      authenticatedAs: sender,
    });
    result.remote.push(...remote);
  } catch (err) {
    for (const address of remote) result.failed.push({ address, error: (err as Error).message });
  }
}

function myPartstat(vcalendar: IcalComponent | null, me: string): string | null {
  if (!vcalendar) return null;
  const p = scheduledComponents(vcalendar)
    .map((c) => attendeeProperty(c, me))
    .find(Boolean);
  return p ? String(p.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase() : null;
}

const REPLY_WORDS: Record<string, string> = {
  ACCEPTED: 'Accepted',
  DECLINED: 'Declined',
  TENTATIVE: 'Tentative',
};

/** The scheduling a change implies (see the file comment); SchedulingDeps and iCalendar texts. */
export async function implicitSchedule(
  deps: SchedulingDeps,
  change: CalendarObjectChange,
): Promise<SchedulingResult> {
  const result: SchedulingResult = { method: null, local: [], remote: [], failed: [] };
  const before = parse(change.before);
  const after = parse(change.after);
  const current = after ?? before;
  if (!current) return result;
  const me = change.account.address.toLowerCase();
  const info = participants(current);
  if (!info.organizer || info.attendees.length === 0) return result;
  const now = deps.now?.() ?? new Date();
  const others = (v: IcalComponent | null) =>
    v
      ? participants(v)
          .attendees.filter((a) => a.serverScheduled && a.address !== info.organizer)
          .map((a) => a.address)
      : [];

  if (info.organizer === me) {
    const was = others(before);
    const is = others(after);
    const removed = was.filter((a) => !is.includes(a));
    if (removed.length && before) {
      result.method = 'CANCEL';
      await send(deps, 'CANCEL', organizerMessage(before, 'CANCEL', now), me, removed, info.summary, result);
    }
    if (after) {
      const changed = !before || significantContent(before) !== significantContent(after);
      const to = changed ? is : is.filter((a) => !was.includes(a));
      if (to.length) {
        result.method = 'REQUEST';
        await send(deps, 'REQUEST', organizerMessage(after, 'REQUEST', now), me, to, info.summary, result);
      }
    }
    return result;
  }

  // An attendee's own copy: tell the organizer the answers that changed, per instance (a DELETE
  // declines them all).
  const source = after ?? before;
  if (!source) return result;
  let itip: string;
  let word: string;
  if (!after) {
    const was = myPartstat(before, me);
    if (!was || was === 'DECLINED') return result;
    itip = replyMessage(source, me, now, 'DECLINED');
    word = 'DECLINED';
  } else {
    const changes = changedAnswers(before, after, me);
    // An occurrence deleted from the copy (a new EXDATE) is declined, as an instance of its own.
    const removed = removedInstances(before, after, me);
    if (changes.size === 0 && removed.length === 0) return result;
    const answered = parseCalendarText(after.toString());
    for (const instance of removed) {
      answered.addSubcomponent(instance);
      changes.set(recurrenceKey(instance), 'DECLINED');
    }
    itip = replyMessage(answered, me, now, (c) => changes.get(recurrenceKey(c)) ?? null);
    const words = [...new Set(changes.values())];
    word = changes.has('') ? (changes.get('') as string) : words.length === 1 ? words[0] : 'Reply';
  }
  result.method = 'REPLY';
  await send(deps, 'REPLY', itip, me, [info.organizer], info.summary, result, REPLY_WORDS[word] ?? word);
  return result;
}
