/**
 * Resolves a DAV path to what it names, with the user's access: the owner's own data, a
 * collection shared with the user (same domain only), or nothing (404: other tenants, unshared
 * collections of colleagues). Plain collections nest, so "a/b/c" is the collection a/b/c when it
 * exists, else the object c of the collection a/b.
 */
import type { Account } from '../../core/directory/types';
import { accessTo, sharedWith, type EffectiveAccess } from '../../core/pim/pim-grants';
import type { StoredCollection } from '../../core/pim/pim-store';
import type { PimHome, PimObject } from '../../core/pim/types';
import { ownerAccount, type DavContext } from './context';
import { DIRECTORY_BOOK, type DavPath } from './paths';
import { DavError } from './xml';

export type Access = Exclude<EffectiveAccess, null>;

export type Resource =
  | { type: 'root' }
  | { type: 'principals' }
  | { type: 'principal'; owner: Account }
  | { type: 'home'; home: PimHome; owner: Account; own: boolean }
  | { type: 'collection'; owner: Account; collection: StoredCollection; access: Access }
  | { type: 'object'; owner: Account; collection: StoredCollection; object: PimObject; access: Access }
  /** The domain's directory as a read-only address book (generated, not stored). */
  | { type: 'directory'; owner: Account }
  | { type: 'directory-card'; owner: Account; name: string }
  /** Nothing there yet: what PUT, MKCOL, COPY and MOVE may create (parent null: no parent collection). */
  | {
      type: 'missing';
      owner: Account;
      home: PimHome;
      parent: { collection: StoredCollection; access: Access } | { home: true; own: boolean } | null;
      /** The collection name a MKCOL would create, and the object name a PUT would. */
      collectionName: string;
      objectName: string;
    };

export const canWrite = (access: Access) => access !== 'read';

export async function resolve(dav: DavContext, path: DavPath): Promise<Resource> {
  switch (path.type) {
    case 'root':
    case 'principals':
      return path;
    case 'principal':
      return { type: 'principal', owner: await ownerAccount(dav, path.owner) };
    case 'home': {
      const owner = await ownerAccount(dav, path.owner);
      return { type: 'home', home: path.home, owner, own: owner.id === dav.user.id };
    }
    case 'member':
      return resolveMember(dav, path.home, await ownerAccount(dav, path.owner), path.segments);
  }
}

async function visible(dav: DavContext, collection: StoredCollection | null): Promise<Access | null> {
  if (!collection) return null;
  return accessTo(dav.store.db, collection, dav.user.id);
}

async function resolveMember(
  dav: DavContext,
  home: PimHome,
  owner: Account,
  segments: string[],
): Promise<Resource> {
  const own = owner.id === dav.user.id;
  if (home === 'addressbooks' && segments[0] === DIRECTORY_BOOK) {
    if (!own) throw new DavError(404, 'not found');
    if (segments.length === 1) return { type: 'directory', owner };
    if (segments.length === 2) return { type: 'directory-card', owner, name: segments[1] };
    throw new DavError(404, 'not found');
  }
  const fullName = segments.join('/');
  const asCollection = await dav.store.collection(owner.id, home, fullName);
  const collectionAccess = await visible(dav, asCollection);
  if (asCollection && collectionAccess)
    return { type: 'collection', owner, collection: asCollection, access: collectionAccess };
  if (asCollection) throw new DavError(404, 'not found');
  const objectName = segments[segments.length - 1];
  if (segments.length === 1) {
    return {
      type: 'missing',
      owner,
      home,
      parent: { home: true, own },
      collectionName: fullName,
      objectName,
    };
  }
  const parentName = segments.slice(0, -1).join('/');
  const parent = await dav.store.collection(owner.id, home, parentName);
  const parentAccess = await visible(dav, parent);
  if (parent && !parentAccess) throw new DavError(404, 'not found');
  if (parent && parentAccess) {
    const object = await dav.store.objects.get(parent.id, objectName);
    if (object) return { type: 'object', owner, collection: parent, object, access: parentAccess };
    return {
      type: 'missing',
      owner,
      home,
      parent: { collection: parent, access: parentAccess },
      collectionName: fullName,
      objectName,
    };
  }
  if (!own) throw new DavError(404, 'not found');
  return { type: 'missing', owner, home, parent: null, collectionName: fullName, objectName };
}

/** The collections of a home the user may see: all (own home), or those shared with them. */
export async function homeCollections(
  dav: DavContext,
  resource: Extract<Resource, { type: 'home' }>,
): Promise<{ collection: StoredCollection; access: Access }[]> {
  const all = await dav.store.collections(resource.owner.id, resource.home);
  // Top level only: nested plain collections are members of their parent.
  const top = all.filter((c) => !c.name.includes('/'));
  if (resource.own) return top.map((collection) => ({ collection, access: 'owner' as const }));
  const shared = await sharedWith(dav.store.db, resource.owner.id, dav.user.id);
  return top
    .filter((c) => shared.has(c.id))
    .map((collection) => ({ collection, access: shared.get(collection.id)! }));
}

/** Owners whose collections are shared with the user (their homes join calendar-home-set). */
export async function sharingOwners(dav: DavContext, home: PimHome): Promise<string[]> {
  const rows = await dav.store.db.query<{ address: string }>(
    `SELECT DISTINCT owner.address FROM pim_grants g
       JOIN pim_collections c ON c.id = g.collection_id AND c.home = $2
       JOIN accounts owner ON owner.id = c.account_id
       JOIN accounts grantee ON grantee.id = g.grantee_id AND grantee.domain_id = owner.domain_id
     WHERE g.grantee_id = $1 ORDER BY owner.address`,
    [dav.user.id, home],
  );
  return rows.rows.map((r) => r.address);
}
