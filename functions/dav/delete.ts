/** DELETE (RFC 4918 §9.6): an object (If-Match checked in the store's transaction) or a whole collection. */
import { conditionHolds } from '../../core/pim/pim-objects';
import type { WebResponse } from '../web/types';
import { writeCondition } from './conditions';
import { empty, type DavContext } from './context';
import { storeError } from './put';
import { canWrite, type Resource } from './resource';
import { afterCalendarChange } from './scheduling-hook';
import { DavError } from './xml';

export async function del(dav: DavContext, resource: Resource): Promise<WebResponse> {
  const condition = writeCondition(dav.request);
  switch (resource.type) {
    case 'object': {
      if (!canWrite(resource.access)) throw new DavError(403, 'read-only', '{DAV:}need-privileges');
      let removed;
      try {
        removed = await dav.store.objects.delete(resource.collection, resource.object.name, condition);
      } catch (error) {
        storeError(error, resource.collection, resource.owner.address);
      }
      if (!removed) throw new DavError(404, 'not found');
      if (resource.collection.kind === 'calendar')
        await afterCalendarChange(dav, resource.owner, resource.collection, removed, null);
      return empty(204);
    }
    case 'collection': {
      // Deleting a calendar or address book is the owner's, not a grantee's.
      if (resource.access !== 'owner')
        throw new DavError(403, 'only the owner deletes a collection', '{DAV:}need-privileges');
      if (!conditionHolds(condition, resource.collection.ctag))
        throw new DavError(412, 'the ETag precondition does not hold');
      await dav.store.deleteCollection(resource.collection);
      return empty(204);
    }
    case 'missing':
      throw new DavError(404, 'not found');
    default:
      throw new DavError(403, 'this resource cannot be deleted');
  }
}
