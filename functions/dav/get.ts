/** GET and HEAD (RFC 4918 §9.4): objects and directory cards as stored, with ETag and conditional requests. */
import { directoryCards } from '../../core/pim/directory-book';
import { conditionHolds } from '../../core/pim/pim-objects';
import type { WebResponse } from '../web/types';
import { writeCondition } from './conditions';
import { empty, type DavContext } from './context';
import { members } from './members';
import type { Resource } from './resource';
import { DavError } from './xml';

export async function get(dav: DavContext, resource: Resource): Promise<WebResponse> {
  let body: string;
  let etag: string;
  let type: string;
  let modified: Date;
  if (resource.type === 'object') {
    ({ data: body, etag, contentType: type, modifiedAt: modified } = resource.object);
  } else if (resource.type === 'directory-card') {
    const card = (await directoryCards(dav.store.db, dav.user.domain)).find((c) => c.name === resource.name);
    if (!card) throw new DavError(404, 'not found');
    ({ data: body, etag, modifiedAt: modified } = card);
    type = 'text/vcard';
  } else if (resource.type === 'missing') {
    throw new DavError(404, 'not found');
  } else {
    // A collection: a plain listing of its members (clients use PROPFIND; this is for people).
    const listed = await members(dav, resource);
    return {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: listed.map((m) => m.path).join('\n') + '\n',
    };
  }
  const { ifMatch, ifNoneMatch } = writeCondition(dav.request);
  if (ifMatch !== undefined && !conditionHolds({ ifMatch }, etag)) return empty(412);
  if (ifNoneMatch !== undefined && !conditionHolds({ ifNoneMatch }, etag)) return empty(304, { etag });
  const charset = type.startsWith('text/') && !type.includes('charset') ? '; charset=utf-8' : '';
  return {
    status: 200,
    headers: { 'content-type': type + charset, etag, 'last-modified': modified.toUTCString() },
    body,
  };
}
