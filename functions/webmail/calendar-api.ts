/**
 * The webmail's calendar API (JSON under /webmail/api/calendar/, session cookie + CSRF): events
 * in a range, create, edit (series or one instance), delete (series or one instance), and the
 * invitations waiting for an answer. Everything goes through the PimStore, so CalDAV and
 * ActiveSync clients see the changes (sync tokens, ETags, Events), and through implicit
 * scheduling (core/pim/scheduling) so attendees get their invitations and organizers the replies.
 */
import { onCalendarObjectChanged } from '../../core/pim/scheduling';
import { participants } from '../../core/pim/scheduling/itip';
import { objectNameFor } from '../../core/pim/scheduling/local-delivery';
import { extractCalendarFields, InvalidCalendarData } from '../../core/pim/ical';
import type { PimStore, StoredCollection } from '../../core/pim/pim-store';
import type { PimObject } from '../../core/pim/types';
import type { WebContext } from '../web/context';
import { jsonResponse, type Router, type WebRequest } from '../web/types';
import { parseEventInput, parseInstant, parseResponse } from './calendar-input';
import * as ical from './calendar-ical';
import { checkZone, instancesOf, type EventView } from './calendar-view';
import {
  fail,
  guarded,
  jsonBody,
  pimStore,
  schedulingContext,
  sessionUser,
  text,
  type SessionUser,
} from './pim-session';

/** Bounds of one range query: a month view with its leading and trailing weeks fits easily. */
export const CALENDAR_LIMITS = { maxRangeDays: 62, maxEvents: 2000, maxInstancesPerObject: 1000 };

async function calendars(store: PimStore, user: SessionUser): Promise<StoredCollection[]> {
  return (await store.collections(user.id, 'calendars')).filter(
    (c) => c.kind === 'calendar' && c.components.includes('VEVENT'),
  );
}

/** The session's own calendar by name: anything else (another account's, a missing one) is 404. */
async function calendar(store: PimStore, user: SessionUser, name: string): Promise<StoredCollection> {
  const found = (await calendars(store, user)).find((c) => c.name === name);
  return found ?? fail(404, 'no such calendar');
}

async function located(store: PimStore, user: SessionUser, request: WebRequest) {
  const collection = await calendar(store, user, request.params?.calendar ?? '');
  const object = await store.objects.get(collection.id, request.params?.name ?? '');
  if (!object || object.component !== 'VEVENT') return fail(404, 'no such event');
  return { collection, object };
}

async function save(
  ctx: WebContext,
  store: PimStore,
  user: SessionUser,
  collection: StoredCollection,
  name: string,
  data: string,
  before: PimObject | null,
): Promise<PimObject> {
  let fields;
  try {
    fields = extractCalendarFields(data);
  } catch (error) {
    if (error instanceof InvalidCalendarData) return fail(400, error.reason);
    throw error;
  }
  const { object } = await store.objects.put(
    collection,
    { name, data, contentType: 'text/calendar', ...fields },
    before ? { ifMatch: [before.etag] } : { ifNoneMatch: '*' },
  );
  await schedule(ctx, store, user, collection, before, object);
  return object;
}

/** Implicit scheduling; the change is stored whatever becomes of the messages (as over CalDAV). */
async function schedule(
  ctx: WebContext,
  store: PimStore,
  user: SessionUser,
  collection: StoredCollection,
  before: PimObject | null,
  after: PimObject | null,
): Promise<void> {
  await onCalendarObjectChanged(schedulingContext(ctx, store), {
    account: { id: user.id, address: user.address },
    collection,
    before,
    after,
  }).catch(() => undefined);
}

/** The client's ETag, when it sends one: a stale edit is refused (412) rather than lost. */
function checkEtag(request: WebRequest, object: PimObject): void {
  const given = request.headers['if-match'];
  if (given && given !== object.etag) fail(412, 'the event was changed meanwhile; reload it');
}

export function addCalendarRoutes(router: Router, ctx: WebContext): void {
  const store = () => pimStore(ctx);

  router.add(
    'GET',
    '/webmail/api/calendar/calendars',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const list = (await calendars(store(), user)).map((c) => ({
        name: c.name,
        displayName: c.displayName || c.name,
        color: c.color,
      }));
      return jsonResponse(200, { calendars: list });
    }),
  );

  router.add(
    'GET',
    '/webmail/api/calendar/events',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const startMs = parseInstant(request.query.get('start') ?? '', 'start');
      const endMs = parseInstant(request.query.get('end') ?? '', 'end');
      if (endMs <= startMs) fail(400, 'end must be after start');
      if (endMs - startMs > CALENDAR_LIMITS.maxRangeDays * 86_400_000)
        fail(400, `a range spans at most ${CALENDAR_LIMITS.maxRangeDays} days`);
      const zone = checkZone(request.query.get('tz'));
      const query = {
        startMs,
        endMs,
        zone,
        me: user.address.toLowerCase(),
        maxInstances: CALENDAR_LIMITS.maxInstancesPerObject,
      };
      const slack = 14 * 3600_000; // floating and all-day times: the widest offsets either way
      const events: EventView[] = [];
      for (const c of await calendars(store(), user)) {
        const objects = await store().objects.inRange(
          c.id,
          new Date(startMs - slack),
          new Date(endMs + slack),
        );
        for (const o of objects) events.push(...instancesOf(c.name, o, query));
      }
      events.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      const truncated = events.length > CALENDAR_LIMITS.maxEvents;
      return jsonResponse(200, { events: events.slice(0, CALENDAR_LIMITS.maxEvents), truncated });
    }),
  );

  router.add(
    'POST',
    '/webmail/api/calendar/events',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const body = jsonBody(ctx, request);
      const input = parseEventInput(body);
      const collection = await calendar(store(), user, text(body.calendar, 'calendar', 200) || 'personal');
      const { uid, data } = ical.newEvent(input, user.address.toLowerCase(), new Date());
      const object = await save(ctx, store(), user, collection, objectNameFor(uid), data, null);
      return jsonResponse(201, { id: `${collection.name}/${object.name}`, uid, etag: object.etag });
    }),
  );

  router.add(
    'PUT',
    '/webmail/api/calendar/events/:calendar/:name',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const body = jsonBody(ctx, request);
      const input = parseEventInput(body);
      const { collection, object } = await located(store(), user, request);
      checkEtag(request, object);
      const me = user.address.toLowerCase();
      const parsed = ical.parse(object.data);
      ical.assertOrganizer(parsed, me);
      const recurrenceId = text(body.recurrenceId, 'recurrenceId', 40);
      const now = new Date();
      const data = recurrenceId
        ? ical.editInstance(parsed, recurrenceId, input, me, now)
        : ical.editSeries(parsed, input, me, now);
      const saved = await save(ctx, store(), user, collection, object.name, data, object);
      return jsonResponse(200, { id: `${collection.name}/${saved.name}`, etag: saved.etag });
    }),
  );

  router.add(
    'DELETE',
    '/webmail/api/calendar/events/:calendar/:name',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const { collection, object } = await located(store(), user, request);
      checkEtag(request, object);
      const recurrenceId = request.query.get('recurrenceId') ?? '';
      if (recurrenceId) {
        if (recurrenceId.length > 40) fail(400, 'bad recurrenceId');
        const parsed = ical.parse(object.data);
        ical.assertOrganizer(parsed, user.address.toLowerCase());
        const data = ical.removeInstance(parsed, recurrenceId, new Date());
        await save(ctx, store(), user, collection, object.name, data, object);
        return jsonResponse(200, { deleted: 'instance' });
      }
      const removed = await store().objects.delete(collection, object.name, { ifMatch: [object.etag] });
      if (!removed) fail(404, 'no such event');
      // An attendee deleting their copy declines (implicit scheduling tells the organizer).
      await schedule(ctx, store(), user, collection, removed, null);
      return jsonResponse(200, { deleted: 'event' });
    }),
  );

  router.add(
    'GET',
    '/webmail/api/calendar/invitations',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const me = user.address.toLowerCase();
      const invitations: EventView[] = [];
      const all = { startMs: -8.64e15, endMs: 8.64e15, zone: 'UTC', me, maxInstances: 1 };
      for (const c of await calendars(store(), user)) {
        for (const o of await store().objects.list(c.id)) {
          const first = instancesOf(c.name, o, all)[0];
          if (first && first.myPartstat === 'NEEDS-ACTION' && first.status !== 'CANCELLED')
            invitations.push(first);
          if (invitations.length >= CALENDAR_LIMITS.maxEvents) break;
        }
      }
      return jsonResponse(200, { invitations });
    }),
  );

  router.add(
    'POST',
    '/webmail/api/calendar/invitations/:calendar/:name',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const partstat = parseResponse(jsonBody(ctx, request).response);
      const { collection, object } = await located(store(), user, request);
      const me = user.address.toLowerCase();
      const parsed = ical.parse(object.data);
      const { organizer } = participants(parsed.vcalendar);
      if (!organizer || organizer === me) fail(409, 'this event is not an invitation');
      const data = ical.answer(parsed, me, partstat, new Date());
      const saved = await save(ctx, store(), user, collection, object.name, data, object);
      return jsonResponse(200, { partstat, etag: saved.etag });
    }),
  );
}
