/**
 * Authentication of web requests: Basic (only over TLS or from loopback), bearer tokens and
 * webmail session cookies (with a CSRF token for unsafe methods). Tokens are random; only their
 * sha256 is stored. Password failures count against the shared AuthThrottle per (address, account).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlExecutor } from '../../core/ports/sql';
import type { JmapAccount } from '../../core/jmap/context';
import type { WebContext } from './context';
import { parseCookies, type WebRequest } from './types';

export const SESSION_COOKIE = 'nimbus_session';
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip.startsWith('::ffff:127.') || ip.startsWith('127.');
}

export async function issueToken(
  db: SqlExecutor,
  owner: { accountId?: number; adminId?: number },
  kind: 'bearer' | 'session' | 'admin',
  ttlSeconds: number,
): Promise<{ token: string; csrf: string }> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(18).toString('base64url');
  await db.query(
    `INSERT INTO web_tokens (token_hash, kind, account_id, admin_id, csrf, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [hash(token), kind, owner.accountId ?? null, owner.adminId ?? null, csrf, ttlSeconds],
  );
  return { token, csrf };
}

export async function revokeToken(db: SqlExecutor, token: string): Promise<void> {
  await db.query(`DELETE FROM web_tokens WHERE token_hash = $1`, [hash(token)]);
}

export async function lookupToken(db: SqlExecutor, token: string, kinds: string[]) {
  const r = await db.query<{
    kind: string;
    account_id: string | null;
    admin_id: string | null;
    csrf: string;
  }>(
    `SELECT kind, account_id, admin_id, csrf FROM web_tokens WHERE token_hash = $1 AND kind = ANY($2::text[]) AND expires_at > now()`,
    [hash(token), kinds],
  );
  return r.rows[0] ?? null;
}

export type AuthResult =
  { account: JmapAccount; via: 'basic' | 'bearer' | 'session' } | { error: number; message: string };

const safeEqual = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Authenticates a mailbox user. Cookie sessions need X-CSRF-Token on anything but GET/HEAD. */
export async function authenticateUser(ctx: WebContext, request: WebRequest): Promise<AuthResult> {
  const wait = ctx.throttle.addressRetryAfter(request.sourceIp);
  if (wait > 0) return { error: 429, message: `too many failed logins; try again in ${wait} s` };
  const header = request.headers.authorization ?? '';
  if (/^basic /i.test(header)) {
    if (!request.secure && !isLoopback(request.sourceIp))
      return { error: 403, message: 'Basic authentication needs TLS' };
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const username = i > 0 ? decoded.slice(0, i) : '';
    const retry = ctx.throttle.retryAfter(request.sourceIp, username);
    if (retry > 0) return { error: 429, message: `too many failed logins; try again in ${retry} s` };
    const account = i > 0 ? await ctx.directory.authenticate(username, decoded.slice(i + 1)) : null;
    if (!account) {
      ctx.throttle.recordFailure(request.sourceIp, username);
      return { error: 401, message: 'invalid credentials' };
    }
    ctx.throttle.recordSuccess(request.sourceIp, username);
    return { account: { id: account.id, address: account.address }, via: 'basic' };
  }
  let token: string | null = null;
  let via: 'bearer' | 'session' = 'bearer';
  if (/^bearer /i.test(header)) token = header.slice(7).trim();
  else {
    const cookie = parseCookies(request.headers.cookie)[SESSION_COOKIE];
    if (cookie) {
      token = cookie;
      via = 'session';
    }
  }
  if (!token) return { error: 401, message: 'authentication required' };
  const row = await lookupToken(ctx.db, token, via === 'session' ? ['session'] : ['bearer', 'session']);
  // Not a throttled failure: tokens are 256-bit random (nothing to guess), and counting expired
  // sessions that keep polling would let them trip the per-address ceiling for a whole NAT.
  if (!row || !row.account_id) return { error: 401, message: 'invalid or expired token' };
  if (via === 'session' && !['GET', 'HEAD'].includes(request.method)) {
    const given = request.headers['x-csrf-token'] ?? '';
    if (!safeEqual(given, row.csrf)) return { error: 403, message: 'missing or wrong CSRF token' };
  }
  const account = await ctx.directory.getAccountById(Number(row.account_id));
  if (!account || account.disabled) return { error: 401, message: 'account unavailable' };
  return { account: { id: account.id, address: account.address }, via };
}

export function sessionCookie(token: string, maxAge: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

/** The base URL clients should use: configured, else from the request (Host + scheme). */
export function baseUrl(ctx: WebContext, request: WebRequest): string {
  if (ctx.endpoints.webBase) return ctx.endpoints.webBase.replace(/\/$/, '');
  const host = request.headers['x-forwarded-host'] ?? request.headers.host ?? ctx.endpoints.mailHost;
  return `${request.secure ? 'https' : 'http'}://${host}`;
}
