/**
 * Webmail: the single-page app's shell and assets, its session API (login with throttling,
 * HttpOnly SameSite=Strict cookies, CSRF tokens) and sanitised message rendering. Everything
 * else the UI does goes through JMAP (/jmap/api with the session cookie + X-CSRF-Token).
 */
import { AdminError } from '../../core/admin/admin-commands';
import { verifyPassword } from '../../core/directory/password';
import { parseBoundedJson, type JsonLimits } from '../../core/util/bounded-json';
import { accountIdOf } from '../../core/jmap/ids';
import {
  authenticateUser,
  isLoopback,
  issueToken,
  lookupToken,
  revokeToken,
  SESSION_COOKIE,
  sessionCookie,
} from '../web/auth';
import type { WebContext } from '../web/context';
import { jsonResponse, parseCookies, Router, type WebRequest, type WebResponse } from '../web/types';
import { mailDocumentCsp, renderMessage } from './render';
import { addCalendarRoutes } from './calendar-api';
import { addContactsRoutes } from './contacts-api';
import { addListArchiveRoutes } from './lists-archive-api';
import { addListMemberRoutes } from './lists-member-api';
import { addSieveRoutes } from './sieve-api';
import { addListPages } from './lists-pages';
import { addListSubscribePage } from './lists-subscribe-page';

const SESSION_SECONDS = 12 * 3600;

export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "frame-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Requests that change state must come from our own pages (Origin check on top of the CSRF token). */
function sameOrigin(request: WebRequest): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === (request.headers['x-forwarded-host'] ?? request.headers.host);
  } catch {
    return false;
  }
}

/** The JSON object sent; bad JSON (too deep, too large, malformed) throws JsonBodyError, which the router answers 400. */
function body(request: WebRequest, limits?: JsonLimits): Record<string, unknown> {
  if (request.body.length === 0) return {};
  const value = parseBoundedJson(request.body, limits);
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

export function webmailRouter(ctx: WebContext): Router {
  const router = new Router();
  const secureCookie = (request: WebRequest) => request.secure || !isLoopback(request.sourceIp);

  const asset = (name: string) => async (): Promise<WebResponse> => {
    if (!ctx.assets)
      return jsonResponse(404, { error: 'this function was deployed without the webmail assets' });
    const file = (await ctx.assets()).get(name);
    if (!file) return jsonResponse(404, { error: 'not found' });
    return {
      status: 200,
      headers: {
        'content-type': file.type,
        'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=300',
        'content-security-policy': APP_CSP,
        ...SECURITY_HEADERS,
      },
      body: file.body,
    };
  };
  router.add('GET', '/', async () => ({ status: 302, headers: { location: '/webmail/' } }));
  router.add('GET', '/webmail', async () => ({ status: 302, headers: { location: '/webmail/' } }));
  router.add('GET', '/webmail/', asset('index.html'));
  router.add('GET', '/webmail/assets/app.js', asset('app.js'));
  router.add('GET', '/webmail/assets/app.css', asset('app.css'));

  router.add('POST', '/webmail/api/login', async (request) => {
    if (!sameOrigin(request)) return jsonResponse(403, { error: 'cross-origin request refused' });
    const { username, password } = body(request, ctx.jsonLimits);
    const name = typeof username === 'string' ? username : '';
    const wait = ctx.throttle.retryAfter(request.sourceIp, name);
    if (wait > 0)
      return jsonResponse(429, { error: `Too many failed logins. Try again in ${wait} seconds.` });
    const account =
      typeof password === 'string' && name ? await ctx.directory.authenticate(name, password) : null;
    if (!account) {
      ctx.throttle.recordFailure(request.sourceIp, name);
      return jsonResponse(401, { error: 'Wrong address or password.' });
    }
    ctx.throttle.recordSuccess(request.sourceIp, name);
    const { token, csrf } = await issueToken(ctx.db, { accountId: account.id }, 'session', SESSION_SECONDS);
    return jsonResponse(
      200,
      { username: account.address, accountId: accountIdOf(account.id), csrf },
      { 'set-cookie': sessionCookie(token, SESSION_SECONDS, secureCookie(request)) },
    );
  });

  router.add('GET', '/webmail/api/session', async (request) => {
    const token = parseCookies(request.headers.cookie)[SESSION_COOKIE];
    const row = token ? await lookupToken(ctx.db, token, ['session']) : null;
    const account = row?.account_id ? await ctx.directory.getAccountById(Number(row.account_id)) : null;
    if (!row || !account) return jsonResponse(401, { error: 'not logged in' });
    return jsonResponse(200, {
      username: account.address,
      accountId: accountIdOf(account.id),
      csrf: row.csrf,
    });
  });

  router.add('POST', '/webmail/api/logout', async (request) => {
    const token = parseCookies(request.headers.cookie)[SESSION_COOKIE];
    if (token) await revokeToken(ctx.db, token);
    return jsonResponse(200, { ok: true }, { 'set-cookie': sessionCookie('', 0, secureCookie(request)) });
  });

  router.add('POST', '/webmail/api/password', async (request) => {
    if (!sameOrigin(request)) return jsonResponse(403, { error: 'cross-origin request refused' });
    const auth = await authenticateUser(ctx, request);
    if ('error' in auth) return jsonResponse(auth.error, { error: auth.message });
    const { current, next } = body(request, ctx.jsonLimits);
    if (typeof current !== 'string' || typeof next !== 'string') {
      return jsonResponse(400, { error: 'Give the current and the new password.' });
    }
    // A stolen session must not become a way to guess the current password.
    const address = auth.account.address;
    const wait = ctx.throttle.retryAfter(request.sourceIp, address);
    if (wait > 0)
      return jsonResponse(429, { error: `Too many failed attempts. Try again in ${wait} seconds.` });
    const row = await ctx.db.query<{ password_hash: string }>(
      `SELECT password_hash FROM accounts WHERE id = $1`,
      [auth.account.id],
    );
    if (!(await verifyPassword(current, row.rows[0]?.password_hash ?? ''))) {
      ctx.throttle.recordFailure(request.sourceIp, address);
      return jsonResponse(403, { error: 'The current password is wrong.' });
    }
    // The admin command: the password policy and the audit log (actor user:<address>), as for an administrator.
    try {
      await ctx.admin({ op: 'user.passwd', address, password: next }, { actor: `user:${address}` });
    } catch (error) {
      if (error instanceof AdminError) return jsonResponse(400, { error: error.message, code: error.code });
      throw error;
    }
    return jsonResponse(200, { ok: true });
  });

  router.add('GET', '/webmail/api/render/:emailId', async (request) => {
    const auth = await authenticateUser(ctx, request);
    if ('error' in auth) return jsonResponse(auth.error, { error: auth.message });
    const images = request.query.get('images') === '1';
    const rendered = await renderMessage(ctx, auth.account, request.params?.emailId ?? '', images);
    if (!rendered) return jsonResponse(404, { error: 'no such message' });
    return {
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': mailDocumentCsp(images),
        'cache-control': 'private, no-store',
        'x-blocked-images': String(rendered.blockedImages),
        ...SECURITY_HEADERS,
      },
      body: rendered.doc,
    };
  });
  addCalendarRoutes(router, ctx);
  addContactsRoutes(router, ctx);
  addListArchiveRoutes(router, ctx);
  addListMemberRoutes(router, ctx);
  addSieveRoutes(router, ctx);
  addListPages(router, ctx);
  addListSubscribePage(router, ctx);
  return router;
}
