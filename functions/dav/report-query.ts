/**
 * addressbook-query (RFC 6352 §8.6), calendar-query (RFC 4791 §7.8) and free-busy-query (§7.10).
 * Calendar semantics are core/pim/ical's; time ranges are pre-filtered in SQL on the stored span.
 */
import type { Element } from '@xmldom/xmldom';
import { directoryCards } from '../../core/pim/directory-book';
import {
  freeBusy,
  InvalidCalendarQuery,
  matchesCalendarQuery,
  parseCalendarQuery,
  parseTimeRange,
  type CalendarQuery,
} from '../../core/pim/ical';
import type { PimObject } from '../../core/pim/types';
import { parseVcard, type ParsedVcard } from '../../core/pim/vcard';
import {
  matchesVcardFilter,
  VCARD_COLLATIONS,
  type MatchType,
  type VcardCollation,
  type VcardFilter,
  type VcardTextMatch,
} from '../../core/pim/vcard-query';
import type { DavContext } from './context';
import { collectionHref } from './members';
import { multistatus, propRequest, propstatsFor, responseWithProps, responseWithStatus } from './multistatus';
import { collectionPath, DIRECTORY_BOOK } from './paths';
import type { Resource } from './resource';
import { dataFor, dataRequest } from './report-data';
import { child, children, DavError, NS, textOf } from './xml';

const CARD = NS.carddav;
const anyAll = (el: Element) => (el.getAttribute('test') === 'allof' ? 'allof' : 'anyof');

function textMatch(el: Element): VcardTextMatch {
  const collation = (el.getAttribute('collation') || 'i;unicode-casemap') as VcardCollation;
  if (!VCARD_COLLATIONS.includes(collation))
    throw new DavError(403, `collation ${collation} is not supported`, `{${CARD}}supported-collation`);
  const matchType = (el.getAttribute('match-type') || 'contains') as MatchType;
  if (!['equals', 'contains', 'starts-with', 'ends-with'].includes(matchType))
    throw new DavError(400, `match-type ${matchType}`, `{${CARD}}supported-filter`);
  return { text: textOf(el), collation, matchType, negate: el.getAttribute('negate-condition') === 'yes' };
}

export function parseVcardFilter(report: Element): VcardFilter {
  const filter = child(report, CARD, 'filter');
  if (!filter) return { test: 'anyof', propFilters: [] };
  return {
    test: anyAll(filter),
    propFilters: children(filter, CARD, 'prop-filter').map((pf) => ({
      name: pf.getAttribute('name') ?? '',
      test: anyAll(pf),
      isNotDefined: !!child(pf, CARD, 'is-not-defined'),
      textMatches: children(pf, CARD, 'text-match').map(textMatch),
      paramFilters: children(pf, CARD, 'param-filter').map((f) => {
        const tm = child(f, CARD, 'text-match');
        return {
          name: f.getAttribute('name') ?? '',
          isNotDefined: !!child(f, CARD, 'is-not-defined'),
          textMatch: tm ? textMatch(tm) : null,
        };
      }),
    })),
  };
}

function limitOf(report: Element, ns: string): number | undefined {
  const limit = child(report, ns, 'limit');
  if (!limit) return undefined;
  const n = Number(textOf(child(limit, ns, 'nresults')).trim());
  if (!Number.isInteger(n) || n < 1) throw new DavError(400, 'nresults must be a positive integer');
  return n;
}

const parseOrNull = (text: string): ParsedVcard | null => {
  try {
    return parseVcard(text);
  } catch {
    return null;
  }
};

export async function addressbookQuery(
  dav: DavContext,
  resource: Resource,
  report: Element,
): Promise<string> {
  const filter = parseVcardFilter(report);
  const limit = limitOf(report, CARD);
  const request = propRequest(report);
  const data = dataRequest(report);
  const responses: string[] = [];
  let matched = 0;
  let truncated = false;
  if (resource.type === 'directory') {
    const base = collectionPath('addressbooks', resource.owner.address, DIRECTORY_BOOK);
    for (const card of await directoryCards(dav.store.db, dav.user.domain)) {
      const parsed = parseOrNull(card.data);
      if (!parsed || !matchesVcardFilter(filter, parsed)) continue;
      if (limit !== undefined && matched >= limit) {
        truncated = true;
        break;
      }
      matched++;
      responses.push(
        responseWithProps(
          base + card.name,
          await propstatsFor(
            dav,
            { type: 'card', card },
            request,
            {},
            dataFor(data, 'text/vcard', card.data),
          ),
        ),
      );
    }
    if (truncated) responses.push(responseWithStatus(base, 507, '{DAV:}number-of-matches-within-limits'));
    return multistatus(responses);
  }
  if (resource.type !== 'collection' || resource.collection.kind !== 'addressbook')
    throw new DavError(403, 'addressbook-query is for address books', '{DAV:}supported-report');
  const { owner, collection, access } = resource;
  const base = collectionHref(owner.address, collection);
  for (const object of await dav.store.objects.list(collection.id)) {
    const parsed = parseOrNull(object.data);
    if (!parsed || !matchesVcardFilter(filter, parsed)) continue;
    if (limit !== undefined && matched >= limit) {
      truncated = true;
      break;
    }
    matched++;
    responses.push(
      responseWithProps(
        base + object.name,
        await propstatsFor(
          dav,
          { type: 'object', owner, collection, object, access },
          request,
          object.deadProps,
          dataFor(data, object.contentType, object.data),
        ),
      ),
    );
  }
  if (truncated) responses.push(responseWithStatus(base, 507, '{DAV:}number-of-matches-within-limits'));
  return multistatus(responses);
}

function queryError(error: unknown): never {
  if (error instanceof InvalidCalendarQuery) {
    const status =
      error.precondition === 'supported-collation' || error.precondition === 'valid-calendar-data'
        ? 403
        : 400;
    throw new DavError(status, error.reason, `{${NS.caldav}}${error.precondition}`);
  }
  throw error;
}

/** The time range of the first component filter, for the SQL pre-filter. */
function outerRange(query: CalendarQuery): { start: Date | null; end: Date | null } {
  const range = query.filter.compFilters.find((c) => c.timeRange)?.timeRange;
  return { start: range?.start ?? null, end: range?.end ?? null };
}

export async function calendarQuery(dav: DavContext, resource: Resource, report: Element): Promise<string> {
  if (
    resource.type !== 'collection' ||
    (resource.collection.kind !== 'calendar' && resource.collection.kind !== 'schedule-inbox')
  )
    throw new DavError(403, 'calendar-query is for calendars', '{DAV:}supported-report');
  let query: CalendarQuery;
  try {
    query = parseCalendarQuery(report);
  } catch (error) {
    queryError(error);
  }
  const { owner, collection, access } = resource;
  const range = outerRange(query);
  const candidates: PimObject[] = await dav.store.objects.inRange(collection.id, range.start, range.end);
  const request = propRequest(report);
  const data = dataRequest(report);
  const base = collectionHref(owner.address, collection);
  const responses: string[] = [];
  // RFC 4791 §7.3/§9.8: floating and all-day values are read in the query's CALDAV:timezone,
  // else in the calendar's calendar-timezone (§5.2.2), else UTC; expand uses the same zone.
  const zone = query.timezone ?? collection.timezone;
  const maxInstances = dav.store.limits.maxInstances;
  for (const object of candidates) {
    let hit: boolean;
    try {
      hit = matchesCalendarQuery(query, object.data, { timezone: collection.timezone, maxInstances });
    } catch (error) {
      if (error instanceof InvalidCalendarQuery) queryError(error);
      hit = false;
    }
    if (!hit) continue;
    responses.push(
      responseWithProps(
        base + object.name,
        await propstatsFor(
          dav,
          { type: 'object', owner, collection, object, access },
          request,
          object.deadProps,
          dataFor(data, object.contentType, object.data, { timezone: zone, maxInstances }),
        ),
      ),
    );
  }
  return multistatus(responses);
}

export async function freeBusyQuery(dav: DavContext, resource: Resource, report: Element): Promise<string> {
  if (resource.type !== 'collection' || resource.collection.kind !== 'calendar')
    throw new DavError(403, 'free-busy-query is for calendars', '{DAV:}supported-report');
  const el = child(report, NS.caldav, 'time-range');
  if (!el) throw new DavError(400, 'free-busy-query needs a time-range', `{${NS.caldav}}valid-filter`);
  let range;
  try {
    range = parseTimeRange(el);
  } catch (error) {
    queryError(error);
  }
  if (!range.start || !range.end)
    throw new DavError(400, 'free-busy-query needs start and end', `{${NS.caldav}}valid-filter`);
  const objects = await dav.store.objects.inRange(resource.collection.id, range.start, range.end);
  return freeBusy(
    objects.map((o) => o.data),
    { start: range.start, end: range.end },
    // Floating and all-day events are busy in the calendar's own time zone (RFC 4791 §7.10).
    { timezone: resource.collection.timezone, maxInstances: dav.store.limits.maxInstances },
  );
}
