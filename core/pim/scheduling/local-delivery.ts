/**
 * Delivery of an iTIP message to an account hosted here (RFC 6638 §4, SCHEDULE-AGENT=SERVER): the
 * message goes into the account's schedule inbox, and the server applies it to the account's
 * calendar — a REQUEST lands in the default calendar with PARTSTAT=NEEDS-ACTION (kept when only
 * the attendee list changed), a CANCEL marks the copy STATUS:CANCELLED, a REPLY updates the
 * replying attendee's PARTSTAT in the organizer's event.
 */
import { createHash } from 'node:crypto';
import { extractCalendarFields } from '../ical';
import type { IcalComponent, IcalTime } from '../ical/ical-lib';
import type { PimCollection, PimObject } from '../types';
import { componentsByKey, overrideFromMaster, recurrenceKey } from './instances';
import {
  attendeeProperty,
  parseCalendarText,
  participants,
  scheduledComponents,
  significantContent,
  type ItipMethod,
} from './itip';
import { mailtoAddress, type LocalAccount, type SchedulingStore } from './ports';

export type DeliveryOutcome = 'delivered' | 'applied' | 'ignored';

/** One inbox resource per event: a newer message about the same UID replaces the older one. */
export function inboxName(uid: string): string {
  return `${createHash('sha256').update(uid).digest('hex').slice(0, 32)}.ics`;
}

export const objectNameFor = (uid: string): string =>
  /^[A-Za-z0-9._@-]{1,200}$/.test(uid) ? `${uid}.ics` : inboxName(uid);

interface Located {
  collection: PimCollection;
  object: PimObject;
}

/** The account's copy of the event with this UID, in any of its calendars. */
export async function findByUid(
  store: SchedulingStore,
  accountId: number,
  uid: string,
): Promise<Located | null> {
  for (const collection of await store.collections(accountId, 'calendars')) {
    if (collection.kind !== 'calendar') continue;
    const object = (await store.objects.list(collection.id)).find((o) => o.uid === uid);
    if (object) return { collection, object };
  }
  return null;
}

function defaultCalendar(collections: PimCollection[], component: string): PimCollection | null {
  const calendars = collections.filter(
    (c) => c.kind === 'calendar' && c.components.includes(component as never),
  );
  return calendars.find((c) => c.name === 'personal') ?? calendars[0] ?? null;
}

function withoutMethod(vcalendar: IcalComponent): string {
  vcalendar.removeAllProperties('method');
  return vcalendar.toString() + '\r\n';
}

async function save(
  store: SchedulingStore,
  collection: PimCollection,
  name: string,
  data: string,
  etag: string | null,
) {
  const fields = extractCalendarFields(data);
  await store.objects.put(
    collection,
    { name, data, contentType: 'text/calendar', ...fields },
    etag ? { ifMatch: [etag] } : { ifNoneMatch: '*' },
  );
}

async function applyRequest(
  store: SchedulingStore,
  account: LocalAccount,
  message: IcalComponent,
): Promise<DeliveryOutcome> {
  const { uid } = participants(message);
  const existing = await findByUid(store, account.id, uid);
  const me = account.address.toLowerCase();
  let keep: string | null = null;
  if (existing) {
    const old = parseCalendarText(existing.object.data);
    const oldMine = scheduledComponents(old)
      .map((c) => attendeeProperty(c, me))
      .find(Boolean);
    if (significantContent(old) === significantContent(withMethodRemoved(message))) {
      keep = oldMine ? String(oldMine.getParameter('partstat') ?? '') || null : null;
    }
  }
  const copy = withMethodRemoved(message);
  for (const c of scheduledComponents(copy))
    attendeeProperty(c, me)?.setParameter('partstat', keep ?? 'NEEDS-ACTION');
  const data = withoutMethod(copy);
  if (existing) {
    await save(store, existing.collection, existing.object.name, data, existing.object.etag);
    return 'applied';
  }
  const component = scheduledComponents(copy)[0]?.name.toUpperCase() ?? 'VEVENT';
  const calendar = defaultCalendar(await store.collections(account.id, 'calendars'), component);
  if (!calendar) return 'delivered';
  await save(store, calendar, objectNameFor(uid), data, null);
  return 'applied';
}

function withMethodRemoved(message: IcalComponent): IcalComponent {
  const copy = parseCalendarText(message.toString());
  copy.removeAllProperties('method');
  return copy;
}

async function applyCancel(
  store: SchedulingStore,
  account: LocalAccount,
  message: IcalComponent,
): Promise<DeliveryOutcome> {
  const existing = await findByUid(store, account.id, participants(message).uid);
  if (!existing) return 'delivered';
  const copy = parseCalendarText(existing.object.data);
  for (const c of scheduledComponents(copy)) {
    c.removeAllProperties('status');
    c.addPropertyWithValue('status', 'CANCELLED');
  }
  await save(store, existing.collection, existing.object.name, withoutMethod(copy), existing.object.etag);
  return 'applied';
}

/**
 * Applies a REPLY to the organizer's copy: the PARTSTAT of `attendee` (who must already be an
 * attendee there), component by component — the master, or the instance with the same
 * RECURRENCE-ID, made from the master when the organizer's copy has no override for it yet.
 */
export async function applyReply(
  store: SchedulingStore,
  organizer: LocalAccount,
  message: IcalComponent,
  attendee: string,
): Promise<DeliveryOutcome> {
  const info = participants(message);
  if (info.organizer !== organizer.address.toLowerCase()) return 'ignored';
  const existing = await findByUid(store, organizer.id, info.uid);
  if (!existing) return 'ignored';
  const copy = parseCalendarText(existing.object.data);
  const components = componentsByKey(copy);
  let changed = false;
  for (const replied of scheduledComponents(message)) {
    const from = replied
      .getAllProperties('attendee')
      .find((p) => mailtoAddress(p.getFirstValue()) === attendee);
    if (!from) continue;
    const key = recurrenceKey(replied);
    let target = components.get(key);
    if (!target && key) target = addOverride(copy, components.get(''), replied) ?? undefined;
    const mine = target && attendeeProperty(target, attendee);
    if (!target || !mine) continue;
    components.set(key, target);
    const partstat = String(from.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase();
    mine.setParameter('partstat', partstat);
    mine.setParameter('schedule-status', '2.0');
    changed = true;
  }
  if (!changed) return 'ignored';
  await save(store, existing.collection, existing.object.name, withoutMethod(copy), existing.object.etag);
  return 'applied';
}

/** The override for the instance a reply answers, added to `copy` (null: no such occurrence). */
function addOverride(
  copy: IcalComponent,
  master: IcalComponent | undefined,
  replied: IcalComponent,
): IcalComponent | null {
  const id = replied.getFirstPropertyValue('recurrence-id') as IcalTime | null;
  if (!master || !id || typeof id !== 'object') return null;
  const override = overrideFromMaster(master, id);
  if (override) copy.addSubcomponent(override);
  return override;
}

/**
 * Delivers `itip` to a local account: a copy in its schedule inbox, then the change to its
 * calendar. `sender` is the calendar user the message comes from (the attendee, for a REPLY).
 */
export async function deliverLocally(
  store: SchedulingStore,
  account: LocalAccount,
  method: ItipMethod,
  itip: string,
  sender: string,
): Promise<DeliveryOutcome> {
  await store.ensureDefaults(account.id);
  const message = parseCalendarText(itip);
  const { uid } = participants(message);
  const inbox = (await store.collections(account.id, 'calendars')).find((c) => c.kind === 'schedule-inbox');
  if (inbox) {
    const component = (scheduledComponents(message)[0]?.name.toUpperCase() ??
      'VEVENT') as PimObject['component'];
    // The inbox holds iTIP messages (with METHOD), which calendar validation would refuse.
    await store.objects.put(inbox, {
      name: inboxName(uid),
      data: itip,
      contentType: 'text/calendar',
      uid,
      component,
    });
  }
  if (method === 'REQUEST') return applyRequest(store, account, message);
  if (method === 'CANCEL') return applyCancel(store, account, message);
  return applyReply(store, account, message, sender.toLowerCase());
}
