/**
 * Sharing by the owner, without an ACL body (docs/dav.md): POST to one's own collection with a
 * JSON body {"with": ADDRESS, "access": "read" | "read-write" | "none"}. It runs the same admin
 * command as `nimbus dav share|unshare` (same-domain check, audit log entry as user:<address>).
 */
import type { WebResponse } from '../web/types';
import { jsonResponse } from '../web/types';
import type { DavContext } from './context';
import type { Resource } from './resource';
import { DavError } from './xml';

export async function share(dav: DavContext, resource: Resource): Promise<WebResponse> {
  if (resource.type !== 'collection' || resource.access !== 'owner')
    throw new DavError(403, 'only the owner shares a collection', '{DAV:}need-privileges');
  if (!(dav.request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json'))
    throw new DavError(
      415,
      'POST takes application/json: {"with": address, "access": "read"|"read-write"|"none"}',
    );
  let body: { with?: unknown; access?: unknown };
  try {
    body = JSON.parse(dav.request.body.toString('utf8').slice(0, 10_000)) as typeof body;
  } catch {
    throw new DavError(400, 'the body is not JSON');
  }
  if (typeof body?.with !== 'string' || !['read', 'read-write', 'none'].includes(String(body.access)))
    throw new DavError(400, '"with" must be an address and "access" read, read-write or none');
  const { collection, owner } = resource;
  const target = `${collection.home}/${collection.name}`;
  const origin = { actor: `user:${dav.user.address}` };
  try {
    const result =
      body.access === 'none'
        ? await dav.web.admin(
            { op: 'dav.unshare', address: owner.address, collection: target, with: body.with },
            origin,
          )
        : await dav.web.admin(
            {
              op: 'dav.share',
              address: owner.address,
              collection: target,
              with: body.with,
              access: body.access as 'read' | 'read-write',
            },
            origin,
          );
    return jsonResponse(200, result);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'not-found') throw new DavError(404, (error as Error).message);
    if (code === 'invalid') throw new DavError(403, (error as Error).message);
    throw error;
  }
}
