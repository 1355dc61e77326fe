/**
 * MKCOL (RFC 4918 §9.3), extended MKCOL (RFC 5689) and MKCALENDAR (RFC 4791 §5.3.1). A plain
 * MKCOL makes a WebDAV collection (files of any type, nestable); a resourcetype of calendar or
 * addressbook makes one of those, at the top of the matching home only (they hold no collections).
 */
import type { Element } from '@xmldom/xmldom';
import type { CollectionPatch } from '../../core/pim/pim-store';
import type { CalendarComponent, CollectionKind, DeadProperties } from '../../core/pim/types';
import type { WebResponse } from '../web/types';
import { empty, type DavContext } from './context';
import { DIRECTORY_BOOK } from './paths';
import { applyChanges, readPropertyUpdate } from './proppatch';
import { canWrite, type Resource } from './resource';
import { child, childElements, children, DavError, is, NS, parseXml } from './xml';

const COMPONENTS: CalendarComponent[] = ['VEVENT', 'VTODO', 'VJOURNAL'];

function requestedKind(set: Element[]): CollectionKind {
  for (const prop of set) {
    const type = child(prop, NS.dav, 'resourcetype');
    if (!type) continue;
    const kinds = childElements(type);
    if (kinds.some((k) => is(k, NS.caldav, 'calendar'))) return 'calendar';
    if (kinds.some((k) => is(k, NS.carddav, 'addressbook'))) return 'addressbook';
    if (kinds.some((k) => !is(k, NS.dav, 'collection')))
      throw new DavError(403, 'unsupported resourcetype', '{DAV:}valid-resourcetype');
  }
  return 'collection';
}

function requestedComponents(set: Element[]): CalendarComponent[] | undefined {
  for (const prop of set) {
    const el = child(prop, NS.caldav, 'supported-calendar-component-set');
    if (!el) continue;
    const names = children(el, NS.caldav, 'comp').map((c) => (c.getAttribute('name') ?? '').toUpperCase());
    const bad = names.find((n) => !COMPONENTS.includes(n as CalendarComponent));
    if (bad !== undefined || names.length === 0)
      throw new DavError(
        403,
        `unsupported component ${bad ?? '(none)'}`,
        `{${NS.caldav}}supported-calendar-component`,
      );
    return names as CalendarComponent[];
  }
  return undefined;
}

export async function mkcol(dav: DavContext, resource: Resource, calendar: boolean): Promise<WebResponse> {
  if (resource.type !== 'missing') throw new DavError(405, 'the resource exists');
  let body: Element | null;
  try {
    body = parseXml(dav.request.body);
  } catch (error) {
    // RFC 4918 §9.3: a body the server does not understand is 415, not 400.
    if (error instanceof DavError && error.status === 400) throw new DavError(415, error.message);
    throw error;
  }
  const expected = calendar ? 'mkcalendar' : 'mkcol';
  const ns = calendar ? NS.caldav : NS.dav;
  if (body && !is(body, ns, expected)) throw new DavError(415, `the body is not a ${expected} request`);
  const { parent, owner, home, collectionName } = resource;
  if (!parent) throw new DavError(409, 'the parent collection does not exist');
  if ('collection' in parent) {
    if (parent.collection.kind !== 'collection')
      throw new DavError(
        403,
        'collections cannot be made inside a calendar or address book',
        calendar ? `{${NS.caldav}}calendar-collection-location-ok` : undefined,
      );
    if (!canWrite(parent.access)) throw new DavError(403, 'read-only', '{DAV:}need-privileges');
  } else if (!parent.own)
    throw new DavError(403, 'only the owner creates collections in a home', '{DAV:}need-privileges');
  if (home === 'addressbooks' && collectionName === DIRECTORY_BOOK)
    throw new DavError(405, 'the resource exists');
  const sets = body ? children(body, NS.dav, 'set').flatMap((s) => children(s, NS.dav, 'prop')) : [];
  const kind: CollectionKind = calendar ? 'calendar' : requestedKind(sets);
  if (kind === 'calendar' && (home !== 'calendars' || collectionName.includes('/')))
    throw new DavError(
      403,
      'calendars are made at the top of the calendar home',
      `{${NS.caldav}}calendar-collection-location-ok`,
    );
  if (kind === 'addressbook' && (home !== 'addressbooks' || collectionName.includes('/')))
    throw new DavError(
      403,
      'address books are made at the top of the address book home',
      `{${NS.carddav}}addressbook-collection-location-ok`,
    );
  const components = kind === 'calendar' ? requestedComponents(sets) : undefined;
  const patch: CollectionPatch = {};
  const dead: DeadProperties = {};
  const changes = body
    ? readPropertyUpdate(body).filter(
        (c) => !['resourcetype', 'supported-calendar-component-set'].includes(c.el.localName ?? ''),
      )
    : [];
  const refused = applyChanges(changes, new Set(), patch, dead, true);
  if (refused.length) throw new DavError(403, `cannot set ${refused.join(', ')}`);
  try {
    await dav.store.createCollection(owner.id, home, {
      kind,
      name: collectionName,
      displayName: patch.displayName,
      description: patch.description,
      color: patch.color,
      timezone: patch.timezone,
      components,
      deadProps: dead,
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'exists') throw new DavError(405, 'the resource exists');
    throw error;
  }
  return empty(201, { 'cache-control': 'no-cache' });
}
