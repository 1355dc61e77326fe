/**
 * The admin REST API (docs/web.md, OpenAPI at /api/admin/openapi.json). Every route runs a
 * core/admin AdminCommand — the same code the CLI reaches through /internal/admin — after admin
 * authentication (bearer token from POST /api/admin/login, or Basic over TLS/loopback), and
 * every call is written to the audit log (who, what, when, outcome; secrets redacted).
 * The Lambda route (infra) is ANY /admin/{proxy+}: both /api/admin/... and /admin/... are served.
 */
import { AdminError, type AdminCommand } from '../../core/admin/admin-commands';
import { parseBoundedJson, type JsonLimits } from '../../core/util/bounded-json';
import { audit, auditLog, authenticateAdmin, getAdmin, type Admin } from '../../core/webadmin/admins';
import { isLoopback, issueToken, lookupToken, revokeToken } from '../web/auth';
import type { WebContext } from '../web/context';
import { jsonResponse, Router, type WebHandler, type WebRequest, type WebResponse } from '../web/types';
import { OPENAPI } from './openapi';

type Body = Record<string, unknown>;
type CommandOf = (request: WebRequest, body: Body) => AdminCommand;

const ERROR_STATUS: Record<string, number> = {
  'not-found': 404,
  duplicate: 409,
  exists: 409,
  invalid: 400,
  'bad-address': 400,
  'bad-domain': 400,
  'unknown-domain': 404,
  'has-accounts': 409,
  'weak-password': 400,
  'alias-loop': 400,
  unavailable: 503,
};

function parseBody(request: WebRequest, limits?: JsonLimits): Body {
  if (request.body.length === 0) return {};
  // A JsonBodyError is a SyntaxError: answered 400 'invalid' below.
  const value = parseBoundedJson(request.body, limits);
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new AdminError('invalid', 'JSON object expected');
  return value as Body;
}

async function authenticate(
  ctx: WebContext,
  request: WebRequest,
): Promise<Admin | { status: number; error: string }> {
  // The admin realm: its failures never lock mailbox users out (and theirs never lock admins).
  const throttle = ctx.throttle.admin;
  const wait = throttle.addressRetryAfter(request.sourceIp);
  if (wait > 0) return { status: 429, error: `too many failed logins; try again in ${wait} s` };
  const header = request.headers.authorization ?? '';
  if (/^bearer /i.test(header)) {
    const row = await lookupToken(ctx.db, header.slice(7).trim(), ['admin']);
    const admin = row?.admin_id ? await getAdmin(ctx.db, Number(row.admin_id)) : null;
    if (admin) return admin;
  } else if (/^basic /i.test(header)) {
    if (!request.secure && !isLoopback(request.sourceIp))
      return { status: 403, error: 'Basic authentication needs TLS' };
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const name = i > 0 ? decoded.slice(0, i) : '';
    const retry = throttle.retryAfter(request.sourceIp, name);
    if (retry > 0) return { status: 429, error: `too many failed logins; try again in ${retry} s` };
    const admin = i > 0 ? await authenticateAdmin(ctx.db, name, decoded.slice(i + 1)) : null;
    if (admin) {
      throttle.recordSuccess(request.sourceIp, name);
      return admin;
    }
    throttle.recordFailure(request.sourceIp, name);
    return { status: 401, error: 'invalid admin credentials' };
  } else return { status: 401, error: 'admin authentication required' };
  // A bad bearer token is not counted: 256 random bits leave nothing to guess.
  return { status: 401, error: 'invalid admin credentials' };
}

export const ADMIN_PREFIX = '/api/admin';

export function adminRouter(ctx: WebContext): Router {
  const router = new Router();
  const run =
    (action: string, command: CommandOf, status = 200): WebHandler =>
    async (request) => {
      const admin = await authenticate(ctx, request);
      if ('error' in admin) return jsonResponse(admin.status, { error: admin.error });
      let cmd: AdminCommand | null = null;
      try {
        cmd = command(request, parseBody(request, ctx.jsonLimits));
        // core/admin writes the audit entry (actor, target, old and new value, outcome).
        const result = await ctx.admin(cmd, { actor: admin.name });
        return jsonResponse(status, result);
      } catch (error) {
        const code =
          error instanceof AdminError ? error.code : error instanceof SyntaxError ? 'invalid' : null;
        if (code === null) throw error;
        // A request refused before it became a command (bad body) is not seen by core/admin.
        if (cmd === null && request.method !== 'GET')
          await audit(ctx.db, { actor: admin.name, action, outcome: `error: ${code}` });
        return jsonResponse(ERROR_STATUS[code] ?? 422, { error: (error as Error).message, code });
      }
    };
  const p = (path: string) => ADMIN_PREFIX + path;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const param = (r: WebRequest, name: string) => r.params?.[name] ?? '';

  router.add('GET', p('/openapi.json'), async () => jsonResponse(200, OPENAPI));
  router.add('POST', p('/login'), async (request) => {
    let body: Body;
    try {
      body = parseBody(request, ctx.jsonLimits);
    } catch {
      return jsonResponse(400, { error: 'JSON object expected' });
    }
    const wait = ctx.throttle.admin.retryAfter(request.sourceIp, str(body.name));
    if (wait > 0) return jsonResponse(429, { error: `too many failed logins; try again in ${wait} s` });
    const admin = await authenticateAdmin(ctx.db, str(body.name), str(body.password));
    if (!admin) {
      ctx.throttle.admin.recordFailure(request.sourceIp, str(body.name));
      await audit(ctx.db, {
        actor: str(body.name) || '?',
        action: 'login',
        outcome: 'error: unauthorized',
        detail: { ip: request.sourceIp },
      });
      return jsonResponse(401, { error: 'invalid admin credentials' });
    }
    ctx.throttle.admin.recordSuccess(request.sourceIp, str(body.name));
    const { token } = await issueToken(ctx.db, { adminId: admin.id }, 'admin', 12 * 3600);
    await audit(ctx.db, {
      actor: admin.name,
      action: 'login',
      outcome: 'ok',
      detail: { ip: request.sourceIp },
    });
    return jsonResponse(201, { token, tokenType: 'Bearer', expiresIn: 12 * 3600 });
  });
  router.add('POST', p('/logout'), async (request) => {
    const header = request.headers.authorization ?? '';
    if (/^bearer /i.test(header)) await revokeToken(ctx.db, header.slice(7).trim());
    return { status: 204 };
  });
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
