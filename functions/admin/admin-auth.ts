/**
 * Admin authentication for the admin API: each request's credentials (a bearer token from
 * POST /login, or Basic over TLS/loopback), throttled in the admin realm, and the login and
 * logout routes that issue and revoke tokens (both audited).
 */
import { audit, authenticateAdmin, getAdmin, type Admin } from '../../core/webadmin/admins';
import { isLoopback, issueToken, lookupToken, revokeToken } from '../web/auth';
import type { WebContext } from '../web/context';
import { jsonResponse, type Router, type WebRequest } from '../web/types';
import { parseBody, str, type Body } from './request-body';

export async function authenticate(
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

/** POST <prefix>/login (name and password for a 12-hour bearer token) and POST <prefix>/logout. */
export function addLoginRoutes(router: Router, ctx: WebContext, p: (path: string) => string): void {
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
}
