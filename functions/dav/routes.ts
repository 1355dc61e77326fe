/**
 * The DAV area of the web role: /dav/ (CalDAV, CardDAV, plain WebDAV) and the RFC 6764
 * well-known redirects. Basic authentication (TLS or loopback) as for JMAP, with the shared
 * AuthThrottle; every refusal is a DAV status, never the process's problem.
 */
import type { PimLimits } from '../../core/pim/pim-errors';
import { PimStore } from '../../core/pim/pim-store';
import { authenticateUser } from '../web/auth';
import type { WebContext } from '../web/context';
import type { WebHandler, WebRequest, WebResponse } from '../web/types';
import { domainOf, empty, errorResponse, type DavContext } from './context';
import { copyMove } from './copy-move';
import { del } from './delete';
import { get } from './get';
import { mkcol } from './mkcol';
import { options } from './options';
import { parseDavPath, DAV_ROOT } from './paths';
import { propfind } from './propfind';
import { proppatch } from './proppatch';
import { put } from './put';
import { report } from './report';
import { resolve } from './resource';
import { isOutbox, scheduleOutboxPost } from './schedule-outbox';
import { share } from './share';
import { DavError } from './xml';

const REALM = 'Basic realm="Nimbus DAV", charset="UTF-8"';

/** Whether a request is for this area. */
export function isDavPath(path: string): boolean {
  return path === '/dav' || path.startsWith(DAV_ROOT) || /^\/\.well-known\/(caldav|carddav)\/?$/.test(path);
}

function positiveEnv(name: string): number | undefined {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function davHandler(ctx: WebContext, store?: PimStore): WebHandler {
  // The `dav` settings (containers/node/config-schema.ts), the older env variables over them.
  const limits: Partial<PimLimits> = { ...ctx.dav };
  const size = positiveEnv('NIMBUS_DAV_MAX_RESOURCE_SIZE');
  const count = positiveEnv('NIMBUS_DAV_MAX_OBJECTS');
  if (size) limits.maxResourceSize = size;
  if (count) limits.maxObjectsPerAccount = count;
  const pim = store ?? new PimStore(ctx.db, ctx.events, limits);
  return async (request) => {
    try {
      return await handle(ctx, pim, request);
    } catch (error) {
      if (error instanceof DavError) return errorResponse(error);
      throw error;
    }
  };
}

async function handle(ctx: WebContext, store: PimStore, request: WebRequest): Promise<WebResponse> {
  if (request.path.startsWith('/.well-known/')) {
    // RFC 6764 §5: the context path; the client then asks it for current-user-principal.
    return empty(301, { location: DAV_ROOT });
  }
  if (request.method === 'OPTIONS') return options();
  const auth = await authenticateUser(ctx, request);
  if ('error' in auth) {
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (auth.error === 401) headers['www-authenticate'] = REALM;
    return { status: auth.error, headers, body: `${auth.message}\n` };
  }
  const path = parseDavPath(request.path);
  if (!path) throw new DavError(404, 'not found');
  const dav: DavContext = {
    web: ctx,
    store,
    user: { id: auth.account.id, address: auth.account.address, domain: domainOf(auth.account.address) },
    request,
  };
  const resource = await resolve(dav, path);
  switch (request.method) {
    case 'PROPFIND':
      return propfind(dav, resource);
    case 'PROPPATCH':
      return proppatch(dav, resource);
    case 'GET':
    case 'HEAD':
      return get(dav, resource);
    case 'PUT':
      return put(dav, resource);
    case 'DELETE':
      return del(dav, resource);
    case 'MKCOL':
      return mkcol(dav, resource, false);
    case 'MKCALENDAR':
      return mkcol(dav, resource, true);
    case 'COPY':
      return copyMove(dav, resource, false);
    case 'MOVE':
      return copyMove(dav, resource, true);
    case 'REPORT':
      return report(dav, resource);
    case 'POST':
      return isOutbox(resource) ? scheduleOutboxPost(dav, resource) : share(dav, resource);
    default:
      throw new DavError(405, `${request.method} is not supported here`);
  }
}
