/**
 * The admin REST API (docs/web.md, OpenAPI at /api/admin/openapi.json). Every route runs a
 * core/admin AdminCommand — the same code the CLI reaches through /internal/admin — after admin
 * authentication (bearer token from POST /api/admin/login, or Basic over TLS/loopback), and
 * every call is written to the audit log (who, what, when, outcome; secrets redacted).
 * This file is the route table; authentication and login are admin-auth.ts, running a command
 * is command-route.ts. The Lambda route (infra) is ANY /admin/{proxy+}: both /api/admin/...
 * and /admin/... are served.
 */
import type { AdminCommand } from '../../core/admin/admin-commands';
import { auditLog } from '../../core/webadmin/admins';
import type { WebContext } from '../web/context';
import { jsonResponse, Router, type WebHandler, type WebRequest, type WebResponse } from '../web/types';
import { addLoginRoutes, authenticate } from './admin-auth';
import { commandRoute } from './command-route';
import { addEasRoutes } from './eas-routes';
import { addListRoutes } from './list-routes';
import { addListArchiveAdminRoutes } from './list-archive-routes';
import { addSieveRoutes } from './sieve-routes';
import { addOutboundRoutes } from './outbound-routes';
import { addRelayDomainRoutes } from './relay-domain-routes';
import { OPENAPI } from './openapi';
import { str } from './request-body';

export const ADMIN_PREFIX = '/api/admin';

export function adminRouter(ctx: WebContext): Router {
  const router = new Router();
  const run = commandRoute(ctx);
  const p = (path: string) => ADMIN_PREFIX + path;
  const param = (r: WebRequest, name: string) => r.params?.[name] ?? '';

  router.add('GET', p('/openapi.json'), async () => jsonResponse(200, OPENAPI));
  addLoginRoutes(router, ctx, p);
  router.add('GET', p('/audit'), async (request) => {
    const admin = await authenticate(ctx, request);
    if ('error' in admin) return jsonResponse(admin.status, { error: admin.error });
    const limit = Math.min(1000, Number(request.query.get('limit') ?? 100) || 100);
    const before = Number(request.query.get('before') ?? 0) || undefined;
    return jsonResponse(200, await auditLog(ctx.db, limit, before));
  });

  router.add(
    'GET',
    p('/domains'),
    run('domain.list', () => ({ op: 'domain.list' })),
  );
  router.add(
    'POST',
    p('/domains'),
    run('domain.add', (_r, b) => ({ op: 'domain.add', name: str(b.name) }), 201),
  );
  router.add(
    'DELETE',
    p('/domains/:name'),
    run('domain.remove', (r) => ({
      op: 'domain.remove',
      name: param(r, 'name'),
      force: r.query.get('force') === 'true',
    })),
  );
  router.add(
    'PUT',
    p('/domains/:name/catchall'),
    run('domain.catchall', (r, b) => ({
      op: 'domain.catchall',
      name: param(r, 'name'),
      target: typeof b.target === 'string' ? b.target : null,
    })),
  );

  router.add(
    'GET',
    p('/users'),
    run('user.list', (r) => ({ op: 'user.list', domain: r.query.get('domain') ?? undefined })),
  );
  router.add(
    'POST',
    p('/users'),
    run(
      'user.add',
      (_r, b) => ({
        op: 'user.add',
        address: str(b.address),
        password: str(b.password),
        quotaBytes: typeof b.quotaBytes === 'number' ? b.quotaBytes : null,
      }),
      201,
    ),
  );
  router.add(
    'GET',
    p('/users/:address'),
    run('user.show', (r) => ({ op: 'user.show', address: param(r, 'address') })),
  );
  router.add(
    'DELETE',
    p('/users/:address'),
    run('user.remove', (r) => ({ op: 'user.remove', address: param(r, 'address') })),
  );
  router.add(
    'PUT',
    p('/users/:address/password'),
    run('user.passwd', (r, b) => ({
      op: 'user.passwd',
      address: param(r, 'address'),
      password: str(b.password),
    })),
  );
  router.add(
    'PUT',
    p('/users/:address/quota'),
    run('user.quota', (r, b) => ({
      op: 'user.quota',
      address: param(r, 'address'),
      quotaBytes: typeof b.quotaBytes === 'number' ? b.quotaBytes : null,
    })),
  );

  router.add(
    'GET',
    p('/aliases'),
    run('alias.list', (r) => ({ op: 'alias.list', domain: r.query.get('domain') ?? undefined })),
  );
  router.add(
    'POST',
    p('/aliases'),
    run(
      'alias.add',
      (_r, b) => ({
        op: 'alias.add',
        source: str(b.source),
        targets: Array.isArray(b.targets) ? b.targets.map(String) : [],
      }),
      201,
    ),
  );
  router.add(
    'DELETE',
    p('/aliases/:source'),
    run('alias.remove', (r) => ({
      op: 'alias.remove',
      source: param(r, 'source'),
      target: r.query.get('target') ?? undefined,
    })),
  );
  // Forwarding belongs to an account; aliases with remote targets stay under /aliases.
  router.add(
    'GET',
    p('/forwards'),
    run('forward.list', (r) => ({ op: 'forward.list', domain: r.query.get('domain') ?? undefined })),
  );
  router.add(
    'GET',
    p('/users/:address/forwarding'),
    run('forward.show', (r) => ({ op: 'forward.show', address: param(r, 'address') })),
  );
  router.add(
    'PUT',
    p('/users/:address/forwarding'),
    run('forward.set', (r, b) => ({
      op: 'forward.set',
      address: param(r, 'address'),
      targets: Array.isArray(b.targets) ? b.targets.map(String) : [],
      keepCopy: b.keepCopy !== false,
    })),
  );
  router.add(
    'DELETE',
    p('/users/:address/forwarding'),
    run('forward.set', (r) => ({
      op: 'forward.set',
      address: param(r, 'address'),
      targets: [],
      keepCopy: true,
    })),
  );

  // Shared-mailbox grants users made with IMAP SETACL: list them, remove one.
  router.add(
    'GET',
    p('/grants'),
    run('acl.list', (r) => ({
      op: 'acl.list',
      domain: r.query.get('domain') ?? undefined,
      address: r.query.get('address') ?? undefined,
    })),
  );
  router.add(
    'DELETE',
    p('/grants/:id'),
    run('acl.remove', (r) => ({ op: 'acl.remove', id: Number(param(r, 'id')) || 0 })),
  );

  router.add(
    'GET',
    p('/queue'),
    run('queue.list', (r) => ({
      op: 'queue.list',
      queue: (r.query.get('queue') ?? undefined) as 'inbound' | undefined,
      state: (r.query.get('state') ?? undefined) as 'ready' | undefined,
      domain: r.query.get('domain') ?? undefined,
      account: r.query.get('account') ?? undefined,
    })),
  );
  router.add(
    'GET',
    p('/queue/:id'),
    run('queue.show', (r) => ({ op: 'queue.show', id: param(r, 'id') })),
  );
  router.add(
    'POST',
    p('/queue/:id/retry'),
    run('queue.retry', (r) => ({ op: 'queue.retry', id: param(r, 'id') })),
  );
  router.add(
    'DELETE',
    p('/queue/:id'),
    run('queue.delete', (r) => ({ op: 'queue.delete', id: param(r, 'id') })),
  );

  router.add(
    'GET',
    p('/security'),
    run('security.show', (r) => ({ op: 'security.show', domain: r.query.get('domain') ?? undefined })),
  );
  router.add(
    'PUT',
    p('/security/:key'),
    run('security.set', (r, b) => ({
      op: 'security.set',
      key: param(r, 'key'),
      value: b.value,
      domain: typeof b.domain === 'string' ? b.domain : undefined,
    })),
  );
  router.add(
    'DELETE',
    p('/security/:key'),
    run('security.unset', (r) => ({
      op: 'security.unset',
      key: param(r, 'key'),
      domain: r.query.get('domain') ?? undefined,
    })),
  );

  router.add(
    'GET',
    p('/dkim/:domain'),
    run('dkim.show', (r) => ({ op: 'dkim.show', domain: param(r, 'domain') })),
  );
  router.add(
    'POST',
    p('/dkim/:domain'),
    run(
      'dkim.generate',
      (r, b) => ({
        op: 'dkim.generate',
        domain: param(r, 'domain'),
        selector: typeof b.selector === 'string' ? b.selector : undefined,
      }),
      201,
    ),
  );

  router.add('GET', p('/cluster/nodes'), async (request) => {
    const admin = await authenticate(ctx, request);
    if ('error' in admin) return jsonResponse(admin.status, { error: admin.error });
    try {
      return jsonResponse(200, await ctx.admin({ op: 'cluster.status' } as AdminCommand));
    } catch {
      return jsonResponse(200, { nodes: await ctx.nodes() });
    }
  });

  router.add(
    'GET',
    p('/config'),
    run('config.export', () => ({ op: 'config.export' })),
  );
  router.add(
    'POST',
    p('/config'),
    run('config.import', (_r, b) => ({ op: 'config.import', profile: b })),
  );
  addEasRoutes(router, run, p);
  addListRoutes(router, run, p);
  addListArchiveAdminRoutes(router, ctx, p);
  addSieveRoutes(router, run, p);
  addOutboundRoutes(router, run, p);
  addRelayDomainRoutes(router, run, p);
  router.add(
    'POST',
    p('/admins'),
    run('admin.add', (_r, b) => ({ op: 'admin.add', name: str(b.name), password: str(b.password) }), 201),
  );
  return router;
}

/** Lambda serves the API under /admin/... (infra route ANY /admin/{proxy+}) as well as /api/admin/... . */
export function adminHandler(ctx: WebContext): WebHandler {
  const router = adminRouter(ctx);
  return async (request): Promise<WebResponse> => {
    const path = request.path.startsWith('/admin/') ? '/api' + request.path : request.path;
    return router.handle({ ...request, path });
  };
}
