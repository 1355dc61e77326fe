/** A resource and its members as (path, node, dead properties) triples: PROPFIND Depth 1 and REPORTs list these. */
import { directoryCards, directoryToken } from '../../core/pim/directory-book';
import type { StoredCollection } from '../../core/pim/pim-store';
import type { DeadProperties, PimObject } from '../../core/pim/types';
import type { DavContext } from './context';
import { collectionPath, homePath, principalPath, DAV_ROOT, DIRECTORY_BOOK } from './paths';
import type { DavNode } from './properties';
import { homeCollections, type Resource } from './resource';

export interface Listed {
  path: string;
  node: DavNode;
  dead: DeadProperties;
}

export const collectionHref = (owner: string, c: StoredCollection) => collectionPath(c.home, owner, c.name);
export const objectHref = (owner: string, c: StoredCollection, o: PimObject) =>
  collectionHref(owner, c) + o.name;

/** The resource itself as a listed node (not for 'missing' and directory cards, which callers resolve). */
export async function self(dav: DavContext, resource: Resource, requestPath: string): Promise<Listed | null> {
  switch (resource.type) {
    case 'root':
      return { path: DAV_ROOT, node: resource, dead: {} };
    case 'principals':
      return { path: `${DAV_ROOT}principals/`, node: resource, dead: {} };
    case 'principal':
      return { path: principalPath(resource.owner.address), node: resource, dead: {} };
    case 'home':
      return { path: homePath(resource.home, resource.owner.address), node: resource, dead: {} };
    case 'collection':
      return {
        path: collectionHref(resource.owner.address, resource.collection),
        node: resource,
        dead: resource.collection.deadProps,
      };
    case 'object':
      return {
        path: objectHref(resource.owner.address, resource.collection, resource.object),
        node: resource,
        dead: resource.object.deadProps,
      };
    case 'directory':
      return {
        path: collectionPath('addressbooks', resource.owner.address, DIRECTORY_BOOK),
        node: resource,
        dead: {},
      };
    case 'directory-card': {
      const card = (await directoryCards(dav.store.db, dav.user.domain)).find(
        (c) => c.name === resource.name,
      );
      return card ? { path: requestPath, node: { type: 'card', card }, dead: {} } : null;
    }
    case 'missing':
      return null;
  }
}

/** The members of a collection-like resource (Depth 1). */
export async function members(dav: DavContext, resource: Resource): Promise<Listed[]> {
  switch (resource.type) {
    case 'root':
      return [{ path: `${DAV_ROOT}principals/`, node: { type: 'principals' }, dead: {} }];
    case 'principals': {
      const me = await dav.web.directory.getAccount(dav.user.address);
      return me
        ? [{ path: principalPath(me.address), node: { type: 'principal', owner: me }, dead: {} }]
        : [];
    }
    case 'home': {
      const listed: Listed[] = (await homeCollections(dav, resource)).map(({ collection, access }) => ({
        path: collectionHref(resource.owner.address, collection),
        node: { type: 'collection', owner: resource.owner, collection, access },
        dead: collection.deadProps,
      }));
      if (resource.home === 'addressbooks' && resource.own)
        listed.push({
          path: collectionPath('addressbooks', resource.owner.address, DIRECTORY_BOOK),
          node: { type: 'directory', owner: resource.owner },
          dead: {},
        });
      return listed;
    }
    case 'collection': {
      const { owner, collection, access } = resource;
      const nested = (await dav.store.children(owner.id, collection.home, collection.name)).map((c) => ({
        path: collectionHref(owner.address, c),
        node: { type: 'collection' as const, owner, collection: c, access },
        dead: c.deadProps,
      }));
      const objects = (await dav.store.objects.list(collection.id)).map((o) => ({
        path: objectHref(owner.address, collection, o),
        node: { type: 'object' as const, owner, collection, object: o, access },
        dead: o.deadProps,
      }));
      return [...nested, ...objects];
    }
    case 'directory': {
      const base = collectionPath('addressbooks', resource.owner.address, DIRECTORY_BOOK);
      return (await directoryCards(dav.store.db, dav.user.domain)).map((card) => ({
        path: base + card.name,
        node: { type: 'card', card },
        dead: {},
      }));
    }
    default:
      return [];
  }
}

export { directoryToken };
