/**
 * The ActiveSync endpoint (MS-ASHTTP): POST /Microsoft-Server-ActiveSync?Cmd=…&User=…&DeviceId=…
 * &DeviceType=… (or the base64 query), and OPTIONS with the versions and commands served. Basic
 * authentication only over TLS or loopback (functions/web/auth.ts, with its AuthThrottle), the
 * MS-ASProtocolVersion header checked, X-MS-PolicyKey passed on; core/eas does the rest.
 */
import { dispatchEas, implementedCommands } from '../../core/eas/dispatch';
import { isProtocolVersion, PROTOCOL_VERSIONS } from '../../core/eas/protocol';
import { authenticateUser } from '../web/auth';
import type { WebContext } from '../web/context';
import { Router, type WebRequest, type WebResponse } from '../web/types';
import { easDeps } from './deps';
import { EAS_PATH } from './path';
import { parseEasQuery } from './query';
import { easSettings, type EasOverrides } from './settings';

export { EAS_PATH };
const WBXML_TYPE = 'application/vnd.ms-sync.wbxml';

function protocolHeaders(): Record<string, string> {
  return {
    'ms-server-activesync': '16.1',
    'ms-asprotocolversions': PROTOCOL_VERSIONS.join(','),
    'ms-asprotocolcommands': implementedCommands().join(','),
    'cache-control': 'private, no-store',
  };
}

const bare = (status: number, headers: Record<string, string> = {}): WebResponse => ({
  status,
  headers: { 'ms-server-activesync': '16.1', 'cache-control': 'private, no-store', ...headers },
  body: '',
});

/** Basic (or bearer) credentials of a mailbox user; a webmail cookie is not an ActiveSync login. */
async function login(ctx: WebContext, request: WebRequest) {
  if (!/^(basic|bearer) /i.test(request.headers.authorization ?? ''))
    return { error: 401, message: 'authentication required' } as const;
  return authenticateUser(ctx, request);
}

export function easRouter(ctx: WebContext & { eas?: EasOverrides }): Router {
  const settings = easSettings(ctx);
  const deps = easDeps(ctx, settings);

  const authenticated = async (
    request: WebRequest,
    then: (account: { id: number; address: string }) => Promise<WebResponse>,
  ) => {
    const auth = await login(ctx, request);
    if ('error' in auth) {
      const challenge: Record<string, string> =
        auth.error === 401 ? { 'www-authenticate': 'Basic realm="ActiveSync", charset="UTF-8"' } : {};
      return bare(auth.error, challenge);
    }
    return then(auth.account);
  };

  const options = (request: WebRequest) =>
    authenticated(request, async () => ({
      status: 200,
      headers: { ...protocolHeaders(), allow: 'OPTIONS,POST', public: 'OPTIONS,POST' },
      body: '',
    }));

  const post = (request: WebRequest) =>
    authenticated(request, async (account) => {
      const query = parseEasQuery(request.query);
      if (!query || !query.command) return bare(400);
      if (request.body.length > settings.maxBodyBytes) return bare(413);
      const version = query.protocolVersion ?? request.headers['ms-asprotocolversion'];
      if (!isProtocolVersion(version))
        return bare(400, { 'ms-asprotocolversions': PROTOCOL_VERSIONS.join(',') });
      const headerKey = request.headers['x-ms-policykey'];
      const policyKey =
        query.policyKey !== undefined
          ? query.policyKey
          : headerKey && /^[0-9]{1,10}$/.test(headerKey) && Number(headerKey) > 0
            ? Number(headerKey)
            : null;
      const outcome = await dispatchEas(
        {
          command: query.command,
          version,
          account,
          deviceId: query.deviceId,
          deviceType: query.deviceType,
          userAgent: request.headers['user-agent']?.slice(0, 256) ?? null,
          policyKey,
          body: request.body,
          params: query.params,
        },
        deps,
        settings.wbxml,
      );
      if (outcome.error) console.error('activesync command failed', query.command, outcome.error);
      if (!outcome.body) return bare(outcome.httpStatus);
      return {
        status: outcome.httpStatus,
        headers: {
          'ms-server-activesync': '16.1',
          'cache-control': 'private, no-store',
          'content-type': outcome.contentType ?? WBXML_TYPE,
        },
        body: outcome.body,
      };
    });

  const router = new Router();
  for (const path of [EAS_PATH, EAS_PATH.toLowerCase()]) {
    router.add('OPTIONS', path, options);
    router.add('POST', path, post);
  }
  return router;
}
