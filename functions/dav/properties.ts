/**
 * Live properties of every kind of DAV resource (RFC 4918, 5397, 3744, 4791, 6352, 6578, 6638 and
 * CalendarServer's getctag), as inner XML per Clark name. Dead properties (PROPPATCH) come from
 * the store beside them.
 */
import type { DirectoryCard } from '../../core/pim/directory-book';
import type { StoredCollection } from '../../core/pim/pim-store';
import type { PimObject } from '../../core/pim/types';
import type { DavContext } from './context';
import { collectionPath, homePath, principalPath, DAV_ROOT, DIRECTORY_BOOK } from './paths';
import { sharingOwners, type Access, type Resource } from './resource';
import { syncToken } from './sync-token';
import { element, escapeXml, href, NS } from './xml';

export type DavNode =
  Exclude<Resource, { type: 'missing' } | { type: 'directory-card' }> | { type: 'card'; card: DirectoryCard };

export type PropertyMap = Map<string, () => Promise<string> | string>;

const D = (l: string) => `{${NS.dav}}${l}`;
const C = (l: string) => `{${NS.caldav}}${l}`;
const CARD = (l: string) => `{${NS.carddav}}${l}`;
const CS = (l: string) => `{${NS.cs}}${l}`;
const APPLE = (l: string) => `{${NS.apple}}${l}`;
/** A calendar user address as a DAV:href: a URI, not a path (its colon stays unencoded). */
const mailtoHref = (address: string) => element('{DAV:}href', escapeXml(`mailto:${address}`));

const privileges = (names: string[]) =>
  names.map((n) => element(D('privilege'), element(n.startsWith('{') ? n : D(n)))).join('');

function privilegeSet(access: Access, extra: string[] = []): string {
  if (access === 'read') return privileges(['read', 'read-current-user-privilege-set']);
  const write = [
    'read',
    'write',
    'write-properties',
    'write-content',
    'bind',
    'unbind',
    'read-current-user-privilege-set',
  ];
  return privileges(access === 'owner' ? ['all', ...write, 'read-acl', 'unlock', ...extra] : write);
}

const reports = (names: string[]) =>
  names.map((n) => element(D('supported-report'), element(D('report'), element(n)))).join('');

const rfc1123 = (d: Date) => d.toUTCString();
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function common(dav: DavContext, map: PropertyMap): void {
  map.set(D('current-user-principal'), () => href(principalPath(dav.user.address)));
}

export async function liveProperties(dav: DavContext, node: DavNode): Promise<PropertyMap> {
  const map: PropertyMap = new Map();
  common(dav, map);
  switch (node.type) {
    case 'root':
    case 'principals':
      map.set(D('resourcetype'), () => element(D('collection')));
      map.set(D('displayname'), () => (node.type === 'root' ? 'Nimbus DAV' : 'Principals'));
      map.set(D('principal-collection-set'), () => href(`${DAV_ROOT}principals/`));
      map.set(D('current-user-privilege-set'), () => privileges(['read']));
      break;
    case 'principal': {
      const address = node.owner.address;
      map.set(D('resourcetype'), () => element(D('collection')) + element(D('principal')));
      map.set(D('displayname'), () => escapeXml(address));
      map.set(D('principal-URL'), () => href(principalPath(address)));
      map.set(D('principal-collection-set'), () => href(`${DAV_ROOT}principals/`));
      map.set(D('owner'), () => href(principalPath(address)));
      map.set(D('alternate-URI-set'), () => mailtoHref(address));
      const own = node.owner.id === dav.user.id;
      map.set(C('calendar-home-set'), async () =>
        [address, ...(own ? await sharingOwners(dav, 'calendars') : [])]
          .map((a) => href(homePath('calendars', a)))
          .join(''),
      );
      map.set(CARD('addressbook-home-set'), async () =>
        [address, ...(own ? await sharingOwners(dav, 'addressbooks') : [])]
          .map((a) => href(homePath('addressbooks', a)))
          .join(''),
      );
      map.set(C('calendar-user-address-set'), () => mailtoHref(address) + href(principalPath(address)));
      map.set(C('calendar-user-type'), () => 'INDIVIDUAL');
      map.set(C('schedule-inbox-URL'), () => href(collectionPath('calendars', address, 'inbox')));
      map.set(C('schedule-outbox-URL'), () => href(collectionPath('calendars', address, 'outbox')));
      map.set(CARD('directory-gateway'), () => href(collectionPath('addressbooks', address, DIRECTORY_BOOK)));
      map.set(D('current-user-privilege-set'), () =>
        privileges(own ? ['read', 'write-properties'] : ['read']),
      );
      break;
    }
    case 'home':
      map.set(D('resourcetype'), () => element(D('collection')));
      map.set(D('displayname'), () => escapeXml(`${node.home} of ${node.owner.address}`));
      map.set(D('owner'), () => href(principalPath(node.owner.address)));
      map.set(D('current-user-privilege-set'), () => privilegeSet(node.own ? 'owner' : 'read'));
      break;
    case 'collection':
      collectionProperties(dav, map, node.owner.address, node.collection, node.access);
      break;
    case 'directory':
      map.set(
        D('resourcetype'),
        () => element(D('collection')) + element(CARD('addressbook')) + element(CARD('directory')),
      );
      map.set(D('displayname'), () => escapeXml(`Directory of ${dav.user.domain}`));
      map.set(CARD('addressbook-description'), () => escapeXml(`Everyone at ${dav.user.domain}`));
      map.set(D('owner'), () => href(principalPath(node.owner.address)));
      map.set(D('current-user-privilege-set'), () => privilegeSet('read'));
      map.set(D('supported-report-set'), () =>
        reports([CARD('addressbook-query'), CARD('addressbook-multiget'), D('sync-collection')]),
      );
      map.set(CARD('supported-address-data'), () => addressData());
      break;
    case 'object':
      objectProperties(map, node.object, node.access);
      break;
    case 'card':
      map.set(D('resourcetype'), () => '');
      map.set(D('getetag'), () => escapeXml(node.card.etag));
      map.set(D('getcontenttype'), () => 'text/vcard; charset=utf-8');
      map.set(D('getcontentlength'), () => String(Buffer.byteLength(node.card.data)));
      map.set(D('getlastmodified'), () => rfc1123(node.card.modifiedAt));
      map.set(D('current-user-privilege-set'), () => privilegeSet('read'));
      break;
  }
  return map;
}

const addressData = () =>
  element(`{${NS.carddav}}address-data-type content-type="text/vcard" version="3.0"`) +
  element(`{${NS.carddav}}address-data-type content-type="text/vcard" version="4.0"`);

function collectionProperties(
  dav: DavContext,
  map: PropertyMap,
  owner: string,
  c: StoredCollection,
  access: Access,
): void {
  const types: Record<StoredCollection['kind'], string> = {
    calendar: element(C('calendar')),
    addressbook: element(CARD('addressbook')),
    'schedule-inbox': element(C('schedule-inbox')),
    'schedule-outbox': element(C('schedule-outbox')),
    collection: '',
  };
  map.set(D('resourcetype'), () => element(D('collection')) + types[c.kind]);
  map.set(D('displayname'), () => escapeXml(c.displayName || c.name.split('/').pop()!));
  map.set(D('owner'), () => href(principalPath(owner)));
  map.set(D('creationdate'), () => iso(c.createdAt));
  const scheduling =
    c.kind === 'schedule-inbox'
      ? [C('schedule-deliver')]
      : c.kind === 'schedule-outbox'
        ? [C('schedule-send')]
        : [];
  map.set(D('current-user-privilege-set'), () => privilegeSet(access, scheduling));
  map.set(CS('getctag'), () => escapeXml(c.ctag));
  map.set(D('sync-token'), () => escapeXml(syncToken(c.id, c.syncRevision)));
  map.set(D('getetag'), () => escapeXml(c.ctag));
  if (c.kind === 'calendar' || c.kind === 'schedule-inbox') {
    map.set(D('supported-report-set'), () =>
      reports([C('calendar-query'), C('calendar-multiget'), C('free-busy-query'), D('sync-collection')]),
    );
    map.set(C('supported-calendar-component-set'), () =>
      (c.components.length ? c.components : ['VEVENT', 'VTODO'])
        .map((n) => element(`${C('comp')} name="${n}"`))
        .join(''),
    );
    map.set(C('supported-calendar-data'), () =>
      element(`${C('calendar-data')} content-type="text/calendar" version="2.0"`),
    );
    map.set(C('max-resource-size'), () => String(dav.store.limits.maxResourceSize));
  }
  if (c.kind === 'calendar') {
    map.set(C('calendar-description'), () => escapeXml(c.description));
    map.set(APPLE('calendar-color'), () => escapeXml(c.color ?? ''));
    if (c.timezone) map.set(C('calendar-timezone'), () => escapeXml(c.timezone!));
  }
  if (c.kind === 'addressbook') {
    map.set(D('supported-report-set'), () =>
      reports([CARD('addressbook-query'), CARD('addressbook-multiget'), D('sync-collection')]),
    );
    map.set(CARD('addressbook-description'), () => escapeXml(c.description));
    map.set(CARD('supported-address-data'), () => addressData());
    map.set(CARD('max-resource-size'), () => String(dav.store.limits.maxResourceSize));
  }
  if (c.kind === 'collection') map.set(D('supported-report-set'), () => reports([D('sync-collection')]));
}

function objectProperties(map: PropertyMap, o: PimObject, access: Access): void {
  map.set(D('resourcetype'), () => '');
  map.set(D('getetag'), () => escapeXml(o.etag));
  map.set(D('getcontenttype'), () =>
    escapeXml(
      o.contentType.includes('charset') || !o.contentType.startsWith('text/')
        ? o.contentType
        : `${o.contentType}; charset=utf-8`,
    ),
  );
  map.set(D('getcontentlength'), () => String(o.size));
  map.set(D('getlastmodified'), () => rfc1123(o.modifiedAt));
  map.set(D('creationdate'), () => iso(o.createdAt));
  map.set(D('current-user-privilege-set'), () => privilegeSet(access));
}

/** Properties a client may set with PROPPATCH (the rest of the live ones are protected). */
export const WRITABLE = new Set([
  D('displayname'),
  C('calendar-description'),
  C('calendar-timezone'),
  APPLE('calendar-color'),
  CARD('addressbook-description'),
]);
