/**
 * PUT (RFC 4918 §9.7, RFC 4791 §5.3.2, RFC 6352 §6.3.2): calendar objects are validated and their
 * fields extracted by core/pim/ical, vCards by core/pim/vcard; plain collections take any text.
 * Preconditions come back as 403 with the CalDAV/CardDAV error element, ETag mismatches as 412.
 */
import { extractCalendarFields, InvalidCalendarData } from '../../core/pim/ical';
import { PimError } from '../../core/pim/pim-errors';
import type { ObjectInput } from '../../core/pim/pim-objects';
import type { StoredCollection } from '../../core/pim/pim-store';
import type { PimObject } from '../../core/pim/types';
import { InvalidAddressData, parseVcard } from '../../core/pim/vcard';
import type { WebResponse } from '../web/types';
import { writeCondition } from './conditions';
import { empty, type DavContext } from './context';
import { collectionHref } from './members';
import { canWrite, type Resource } from './resource';
import { afterCalendarChange } from './scheduling-hook';
import { DavError, NS } from './xml';

const CAL = (l: string) => `{${NS.caldav}}${l}`;
const CARD = (l: string) => `{${NS.carddav}}${l}`;

function decodeText(body: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return null;
  }
}

const mediaType = (header: string | undefined) => (header ?? '').split(';')[0].trim().toLowerCase();

/** The object to store for a body in `collection` (throws DavError with the RFC's precondition). */
export function objectInput(
  dav: DavContext,
  collection: StoredCollection,
  name: string,
  body: Buffer,
  contentType: string | undefined,
): ObjectInput {
  const type = mediaType(contentType);
  const max = dav.store.limits.maxResourceSize;
  const text = decodeText(body);
  switch (collection.kind) {
    case 'calendar': {
      if (body.length > max) throw new DavError(403, `larger than ${max} bytes`, CAL('max-resource-size'));
      if (type !== 'text/calendar' && type !== '')
        throw new DavError(403, 'calendars take text/calendar', CAL('supported-calendar-data'));
      if (text === null) throw new DavError(403, 'not UTF-8', CAL('valid-calendar-data'));
      let fields;
      try {
        fields = extractCalendarFields(text, { maxInstances: dav.store.limits.maxInstances });
      } catch (error) {
        if (error instanceof InvalidCalendarData)
          throw new DavError(403, error.reason, CAL(error.precondition));
        throw error;
      }
      if (!collection.components.includes(fields.component))
        throw new DavError(
          403,
          `this calendar does not take ${fields.component}`,
          CAL('supported-calendar-component'),
        );
      return { name, data: text, contentType: 'text/calendar', ...fields };
    }
    case 'addressbook': {
      if (body.length > max) throw new DavError(403, `larger than ${max} bytes`, CARD('max-resource-size'));
      if (!['text/vcard', 'text/x-vcard', 'text/directory', ''].includes(type))
        throw new DavError(403, 'address books take text/vcard', CARD('supported-address-data'));
      if (text === null) throw new DavError(403, 'not UTF-8', CARD('valid-address-data'));
      let uid: string | null;
      try {
        uid = parseVcard(text).uid;
      } catch (error) {
        if (error instanceof InvalidAddressData)
          throw new DavError(403, error.message, CARD('valid-address-data'));
        throw error;
      }
      // A card without UID (RFC 6350 makes it optional) is keyed by its resource name.
      return { name, data: text, contentType: 'text/vcard', uid: uid ?? `name:${name}` };
    }
    case 'collection':
      if (body.length > max) throw new DavError(413, `larger than ${max} bytes`);
      if (text === null || text.includes('\0'))
        throw new DavError(415, 'only text resources are stored here');
      return { name, data: text, contentType: type || 'application/octet-stream', uid: '' };
    default:
      throw new DavError(403, 'the scheduling inbox and outbox are written by the server');
  }
}

/** Store errors as DAV answers. */
export function storeError(error: unknown, collection: StoredCollection, owner: string): never {
  if (!(error instanceof PimError)) throw error;
  switch (error.code) {
    case 'precondition-failed':
      throw new DavError(412, error.message);
    case 'uid-conflict': {
      const ns = collection.kind === 'addressbook' ? NS.carddav : NS.caldav;
      throw new DavError(
        403,
        `${error.message} by ${collectionHref(owner, collection)}${error.existing}`,
        `{${ns}}no-uid-conflict`,
      );
    }
    case 'quota':
      throw new DavError(507, error.message);
    case 'too-large':
      throw new DavError(413, error.message);
    default:
      throw new DavError(409, error.message);
  }
}

export async function put(dav: DavContext, resource: Resource): Promise<WebResponse> {
  let collection: StoredCollection;
  let before: PimObject | null = null;
  let name: string;
  if (resource.type === 'object') {
    ({ collection } = resource);
    before = resource.object;
    name = resource.object.name;
    if (!canWrite(resource.access)) throw new DavError(403, 'read-only', '{DAV:}need-privileges');
  } else if (resource.type === 'missing') {
    if (!resource.parent || !('collection' in resource.parent))
      throw new DavError(409, 'there is no collection to put this resource in');
    collection = resource.parent.collection;
    name = resource.objectName;
    if (!canWrite(resource.parent.access)) throw new DavError(403, 'read-only', '{DAV:}need-privileges');
  } else if (resource.type === 'directory-card' || resource.type === 'directory') {
    throw new DavError(403, 'the directory is read-only', '{DAV:}need-privileges');
  } else throw new DavError(405, 'PUT is for resources, not collections');
  const owner = resource.owner.address;
  const input = objectInput(dav, collection, name, dav.request.body, dav.request.headers['content-type']);
  let result;
  try {
    result = await dav.store.objects.put(collection, input, writeCondition(dav.request));
  } catch (error) {
    storeError(error, collection, owner);
  }
  if (collection.kind === 'calendar')
    await afterCalendarChange(dav, resource.owner, collection, before, result.object);
  return empty(result.created ? 201 : 204, { etag: result.object.etag });
}
