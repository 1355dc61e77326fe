/**
 * The HTTP API's Lambda authorizer for the admin routes (infra/constructs/web-api.ts): a request
 * reaches the admin function only with a valid admin credential — a bearer token from
 * POST /api/admin/login, or Basic NAME:PASSWORD of an administrator (the login call itself
 * carries Basic through the API). Checked against the `admins` and `web_tokens` tables over the
 * Data API, as the admin handler checks them again: the authorizer is the outer gate, not the
 * only one. Simple responses (payload 2.0); API Gateway caches an answer per Authorization header
 * for a short TTL, so a revoked token may pass for at most that long.
 */
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import type { SqlDatabase } from '../../core/ports/sql';
import { authenticateAdmin, getAdmin } from '../../core/webadmin/admins';
import { lookupToken } from '../web/auth';
import { openDatabase } from './context';
import { readLambdaEnvironment } from './environment';

export type AdminAuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<{ admin: string }>;

type Credential = { kind: 'bearer'; token: string } | { kind: 'basic'; name: string; password: string };

/** Parses the Authorization header; null for anything else (denied). */
export function parseCredential(header: string | undefined): Credential | null {
  const value = (header ?? '').trim();
  if (/^bearer\s+\S+$/i.test(value)) return { kind: 'bearer', token: value.replace(/^bearer\s+/i, '') };
  if (!/^basic\s+\S+$/i.test(value)) return null;
  const decoded = Buffer.from(value.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i > 0 ? { kind: 'basic', name: decoded.slice(0, i), password: decoded.slice(i + 1) } : null;
}

const DENY: AdminAuthorizerResult = { isAuthorized: false, context: { admin: '' } };

export function createAdminAuthorizer(db: () => SqlDatabase, throttle = new AuthThrottle()) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AdminAuthorizerResult> => {
    const headers = Object.fromEntries(
      Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const credential = parseCredential(headers.authorization);
    if (!credential) return DENY;
    const ip = event.requestContext?.http?.sourceIp ?? '0.0.0.0';
    if (credential.kind === 'bearer') {
      const row = await lookupToken(db(), credential.token, ['admin']);
      const admin = row?.admin_id ? await getAdmin(db(), Number(row.admin_id)) : null;
      return admin ? { isAuthorized: true, context: { admin: admin.name } } : DENY;
    }
    if (throttle.admin.isLocked(ip, credential.name)) return DENY;
    const admin = await authenticateAdmin(db(), credential.name, credential.password);
    if (!admin) {
      throttle.admin.recordFailure(ip, credential.name);
      return DENY;
    }
    throttle.admin.recordSuccess(ip, credential.name);
    return { isAuthorized: true, context: { admin: admin.name } };
  };
}

let database: SqlDatabase | null = null;
export const handler = createAdminAuthorizer(
  () => (database ??= openDatabase(readLambdaEnvironment(process.env))),
);
