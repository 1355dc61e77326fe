/**
 * The web role on the node: one WebContext from the node's adapters, every area's router
 * mounted on the node's HTTP server (containers/node/node.ts calls this).
 */
import { adminHandler } from '../admin/routes';
import { autoconfigRouter } from '../autoconfig/routes';
import { davHandler, isDavPath } from '../dav/routes';
import { easRouter } from '../eas/routes';
import { jmapRouter } from '../jmap/routes';
import { webmailRouter } from '../webmail/routes';
import { loadAssets } from '../webmail/assets';
import type { WebContext } from './context';
import type { WebHandler } from './types';
import { Router } from './types';

export function webHandler(ctx: WebContext): WebHandler {
  const jmap = jmapRouter(ctx);
  const admin = adminHandler(ctx);
  const auto = autoconfigRouter(ctx);
  const webmail = webmailRouter(ctx);
  const eas = easRouter(ctx);
  const routers: Router[] = [jmap, auto, eas, webmail];
  const dav = davHandler(ctx);
  return async (request) => {
    if (isDavPath(request.path)) return dav(request);
    if (request.path.startsWith('/api/admin/') || request.path === '/api/admin') return admin(request);
    for (const router of routers) {
      const found = router.match(request);
      if (found) return found.handler({ ...request, params: found.params });
    }
    return { status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"not found"}' };
  };
}

export { loadAssets };
