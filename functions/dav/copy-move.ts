/**
 * COPY and MOVE (RFC 4918 §9.8, §9.9): objects (re-validated for the destination collection)
 * and collections (with their members at Depth infinity). Overwrite: T (default) replaces the
 * destination (204), F refuses with 412; a missing destination parent is 409.
 */
import type { WebResponse } from '../web/types';
import { empty, type DavContext } from './context';
import { destinationPath, parseDavPath } from './paths';
import { objectInput, storeError } from './put';
import { canWrite, resolve, type Resource } from './resource';
import { DavError } from './xml';

async function removeExisting(dav: DavContext, dest: Resource): Promise<void> {
  if (dest.type === 'object') {
    if (!canWrite(dest.access)) throw new DavError(403, 'read-only destination', '{DAV:}need-privileges');
    await dav.store.objects.delete(dest.collection, dest.object.name);
  } else if (dest.type === 'collection') {
    if (dest.access !== 'owner')
      throw new DavError(403, 'only the owner replaces a collection', '{DAV:}need-privileges');
    await dav.store.deleteCollection(dest.collection);
  } else throw new DavError(403, 'the destination cannot be replaced');
}

export async function copyMove(dav: DavContext, source: Resource, move: boolean): Promise<WebResponse> {
  if (source.type === 'missing') throw new DavError(404, 'not found');
  if (source.type !== 'object' && source.type !== 'collection')
    throw new DavError(403, `${move ? 'MOVE' : 'COPY'} is for objects and collections`);
  if (move && !canWrite(source.access)) throw new DavError(403, 'read-only', '{DAV:}need-privileges');
  const target = parseDavPath(destinationPath(dav.request.headers.destination));
  if (!target || target.type !== 'member')
    throw new DavError(502, 'the destination is not a collection member here');
  const sourcePath = parseDavPath(dav.request.path);
  const same = (p: NonNullable<typeof sourcePath>) => JSON.stringify(p).replace(/\/$/, '');
  if (sourcePath && same(sourcePath) === same(target))
    throw new DavError(403, 'source and destination are the same');
  const overwrite = (dav.request.headers.overwrite ?? 'T').trim().toUpperCase() !== 'F';
  const depthHeader = (dav.request.headers.depth ?? 'infinity').trim().toLowerCase();
  if (!['0', 'infinity'].includes(depthHeader) || (move && depthHeader !== 'infinity'))
    throw new DavError(400, 'Depth must be 0 or infinity (MOVE: infinity)');
  let dest = await resolve(dav, target);
  const existed = dest.type !== 'missing';
  if (existed) {
    if (!overwrite) throw new DavError(412, 'the destination exists and Overwrite is F');
    await removeExisting(dav, dest);
    dest = await resolve(dav, target);
  }
  if (dest.type !== 'missing') throw new DavError(409, 'the destination could not be cleared');
  const parent = dest.parent;
  if (!parent) throw new DavError(409, 'the destination parent does not exist');
  if (source.type === 'object') {
    if (!('collection' in parent)) throw new DavError(409, 'objects belong in a collection');
    if (!canWrite(parent.access)) throw new DavError(403, 'read-only destination', '{DAV:}need-privileges');
    const input = objectInput(
      dav,
      parent.collection,
      dest.objectName,
      Buffer.from(source.object.data),
      source.object.contentType,
    );
    try {
      await dav.store.objects.put(parent.collection, { ...input, deadProps: source.object.deadProps });
    } catch (error) {
      storeError(error, parent.collection, dest.owner.address);
    }
    if (move) await dav.store.objects.delete(source.collection, source.object.name);
  } else {
    const plainParent =
      'collection' in parent
        ? parent.collection.kind === 'collection' && canWrite(parent.access)
        : parent.own;
    if (!plainParent) throw new DavError(403, 'collections cannot be made there');
    if (
      source.collection.kind !== 'collection' &&
      ('collection' in parent || dest.home !== source.collection.home)
    )
      throw new DavError(403, 'calendars and address books stay at the top of their home');
    try {
      await dav.store.copyCollection(
        source.collection,
        { accountId: dest.owner.id, home: dest.home, name: dest.collectionName },
        depthHeader as '0' | 'infinity',
      );
    } catch (error) {
      storeError(error, source.collection, source.owner.address);
    }
    if (move) await dav.store.deleteCollection(source.collection);
  }
  return empty(existed ? 204 : 201);
}
