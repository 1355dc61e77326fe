/** PROPFIND (RFC 4918 §9.1) at Depth 0 or 1; Depth infinity is refused (403 DAV:propfind-finite-depth). */
import type { WebResponse } from '../web/types';
import { depthOf, xmlResponse, type DavContext } from './context';
import { members, self } from './members';
import { multistatus, propRequest, propstatsFor, responseWithProps } from './multistatus';
import type { Resource } from './resource';
import { DavError, is, NS, parseXml } from './xml';

export async function propfind(dav: DavContext, resource: Resource): Promise<WebResponse> {
  // A missing Depth means infinity (RFC 4918 §9.1); like most servers we answer it as Depth 1.
  const depth = depthOf(dav.request, '1');
  if (depth === 'infinity')
    throw new DavError(403, 'Depth: infinity is not supported', '{DAV:}propfind-finite-depth');
  const body = parseXml(dav.request.body);
  if (body && !is(body, NS.dav, 'propfind')) throw new DavError(400, 'the body is not a DAV:propfind');
  const request = propRequest(body);
  const top = await self(dav, resource, dav.request.path);
  if (!top) throw new DavError(404, 'not found');
  const listed = depth === '1' ? [top, ...(await members(dav, resource))] : [top];
  const responses: string[] = [];
  for (const entry of listed)
    responses.push(responseWithProps(entry.path, await propstatsFor(dav, entry.node, request, entry.dead)));
  return xmlResponse(207, multistatus(responses));
}
