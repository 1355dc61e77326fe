/**
 * PROPPATCH (RFC 4918 §9.2): all or nothing. The writable live properties (displayname,
 * descriptions, calendar-color, calendar-timezone) map to columns; protected live ones answer 403
 * (DAV:cannot-modify-protected-property) and fail the rest with 424; anything else is a dead
 * property kept as its XML.
 */
import type { Element } from '@xmldom/xmldom';
import type { CollectionPatch } from '../../core/pim/pim-store';
import type { DeadProperties } from '../../core/pim/types';
import type { WebResponse } from '../web/types';
import { xmlResponse, type DavContext } from './context';
import { multistatus, responseWithProps } from './multistatus';
import { liveProperties, WRITABLE, type DavNode } from './properties';
import { canWrite, type Resource } from './resource';
import { childElements, clark, DavError, element, is, NS, parseXml, serialize, textOf } from './xml';
import { self } from './members';

interface Change {
  name: string;
  el: Element;
  remove: boolean;
}

export function readPropertyUpdate(body: Element): Change[] {
  const changes: Change[] = [];
  for (const op of childElements(body)) {
    const remove = is(op, NS.dav, 'remove');
    if (!remove && !is(op, NS.dav, 'set')) continue;
    for (const prop of childElements(op).filter((c) => is(c, NS.dav, 'prop')))
      for (const el of childElements(prop)) changes.push({ name: clark(el), el, remove });
  }
  return changes;
}

const COLUMN: Record<string, keyof CollectionPatch> = {
  '{DAV:}displayname': 'displayName',
  [`{${NS.caldav}}calendar-description`]: 'description',
  [`{${NS.carddav}}addressbook-description`]: 'description',
  [`{${NS.apple}}calendar-color`]: 'color',
  [`{${NS.caldav}}calendar-timezone`]: 'timezone',
};

/** Applies changes to a collection's patch and dead properties; returns the names refused. */
export function applyChanges(
  changes: Change[],
  protectedNames: Set<string>,
  patch: CollectionPatch,
  dead: DeadProperties,
  columns: boolean,
): string[] {
  const refused: string[] = [];
  for (const change of changes) {
    if (columns && WRITABLE.has(change.name)) {
      const key = COLUMN[change.name];
      const value = change.remove ? null : textOf(change.el);
      if (key === 'displayName' || key === 'description') patch[key] = value ?? '';
      else if (key === 'color' || key === 'timezone') patch[key] = value || null;
    } else if (protectedNames.has(change.name)) refused.push(change.name);
    else if (change.remove) delete dead[change.name];
    else dead[change.name] = serialize(change.el);
  }
  return refused;
}

export async function proppatch(dav: DavContext, resource: Resource): Promise<WebResponse> {
  const body = parseXml(dav.request.body);
  if (!body || !is(body, NS.dav, 'propertyupdate'))
    throw new DavError(400, 'the body is not a DAV:propertyupdate');
  if (resource.type !== 'collection' && resource.type !== 'object') {
    if (resource.type === 'missing') throw new DavError(404, 'not found');
    throw new DavError(403, 'properties of this resource cannot be changed');
  }
  if (!canWrite(resource.access)) throw new DavError(403, 'read-only', '{DAV:}need-privileges');
  const changes = readPropertyUpdate(body);
  const listed = (await self(dav, resource, dav.request.path))!;
  const live = await liveProperties(dav, resource as DavNode);
  const isCollection = resource.type === 'collection';
  const protectedNames = new Set([...live.keys()].filter((n) => !(isCollection && WRITABLE.has(n))));
  const patch: CollectionPatch = {};
  const dead = { ...(isCollection ? resource.collection.deadProps : resource.object.deadProps) };
  const refused = applyChanges(changes, protectedNames, patch, dead, isCollection);
  const names = changes.map((c) => element(c.name));
  if (refused.length > 0) {
    const failed = changes.filter((c) => refused.includes(c.name)).map((c) => element(c.name));
    const others = changes.filter((c) => !refused.includes(c.name)).map((c) => element(c.name));
    return xmlResponse(
      207,
      multistatus([
        responseWithProps(listed.path, [
          { status: 403, props: failed },
          { status: 424, props: others },
        ]),
      ]),
    );
  }
  if (isCollection) await dav.store.updateCollection(resource.collection, { ...patch, deadProps: dead });
  else await dav.store.objects.setDeadProps(resource.collection, resource.object, dead);
  return xmlResponse(207, multistatus([responseWithProps(listed.path, [{ status: 200, props: names }])]));
}
