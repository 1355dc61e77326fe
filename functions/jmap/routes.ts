/**
 * JMAP over HTTP (RFC 8620): /.well-known/jmap (session), /jmap/api, /jmap/upload/:accountId,
 * /jmap/download/:accountId/:blobId/:name, /jmap/eventsource (push; the node only — API
 * Gateway cuts requests at 30 s) and /jmap/auth/token (Basic → bearer token).
 */
import { uploadBlob, readBlob } from '../../core/jmap/blobs';
import type { JmapAccount } from '../../core/jmap/context';
import { DEFAULT_LIMITS } from '../../core/jmap/context';
import { processRequest } from '../../core/jmap/dispatcher';
import { parseRequestBody } from '../../core/jmap/request-body';
import { JmapRequestError } from '../../core/jmap/errors';
import { accountIdOf } from '../../core/jmap/ids';
import { sessionResource } from '../../core/jmap/session';
import { authenticateUser, baseUrl, issueToken } from '../web/auth';
import type { WebContext } from '../web/context';
import { eventSourceResponse } from './event-source';
import { jsonResponse, problem, Router, type WebRequest, type WebResponse } from '../web/types';

async function withUser(
  ctx: WebContext,
  request: WebRequest,
  fn: (account: JmapAccount) => Promise<WebResponse>,
): Promise<WebResponse> {
  const auth = await authenticateUser(ctx, request);
  if ('error' in auth) {
    return {
      ...problem(auth.error, 'about:blank', auth.message),
      headers: {
        'content-type': 'application/problem+json',
        ...(auth.error === 401 ? { 'www-authenticate': 'Basic realm="nimbus", charset="UTF-8"' } : {}),
      },
    };
  }
  return fn(auth.account);
}

const sessionUrls = (ctx: WebContext, request: WebRequest) => ({
  base: baseUrl(ctx, request),
  push: ctx.streaming,
  sieveLimits: ctx.sieveLimits,
});

export function jmapRouter(ctx: WebContext): Router {
  const router = new Router();
  const session: (r: WebRequest) => Promise<WebResponse> = (request) =>
    withUser(ctx, request, async (account) =>
      jsonResponse(200, sessionResource(account, sessionUrls(ctx, request))),
    );
  router.add('GET', '/.well-known/jmap', session);
  router.add('GET', '/jmap/session', session);

  router.add('POST', '/jmap/api', (request) =>
    withUser(ctx, request, async (account) => {
      try {
        const parsed = parseRequestBody(request.body, DEFAULT_LIMITS, ctx.jsonLimits?.maxDepth);
        const result = await processRequest(ctx, account, parsed, {
          sessionState: async () => sessionResource(account, sessionUrls(ctx, request)).state,
        });
        return jsonResponse(200, result);
      } catch (error) {
        if (error instanceof JmapRequestError)
          return problem(error.status, error.type, error.message, error.extra);
        throw error;
      }
    }),
  );

  router.add('POST', '/jmap/upload/:accountId', (request) =>
    withUser(ctx, request, async (account) => {
      if (request.params?.accountId !== accountIdOf(account.id))
        return problem(404, 'about:blank', 'no such account');
      if (request.body.length > DEFAULT_LIMITS.maxSizeUpload)
        return problem(413, 'urn:ietf:params:jmap:error:limit', 'upload too large');
      const type = (request.headers['content-type'] ?? 'application/octet-stream').split(';')[0].trim();
      return jsonResponse(201, await uploadBlob(ctx, account, request.body, type));
    }),
  );

  router.add('GET', '/jmap/download/:accountId/:blobId/:name', (request) =>
    withUser(ctx, request, async (account) => {
      if (request.params?.accountId !== accountIdOf(account.id))
        return problem(404, 'about:blank', 'no such account');
      const blob = await readBlob(ctx, account, request.params.blobId);
      if (!blob) return problem(404, 'about:blank', 'no such blob');
      const accept = request.query.get('accept');
      const type = accept && /^[\w.+-]+\/[\w.+-]+$/.test(accept) ? accept : blob.type;
      const name = (request.params.name || blob.name || 'download').replace(/["\\\r\n]/g, '_');
      return {
        status: 200,
        headers: {
          'content-type': type,
          // Downloads never render in our origin: attachment disposition and nosniff.
          'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; sandbox",
          'cache-control': 'private, immutable, max-age=604800',
        },
        body: blob.data,
      };
    }),
  );

  router.add('POST', '/jmap/auth/token', (request) =>
    withUser(ctx, request, async (account) => {
      const { token } = await issueToken(ctx.db, { accountId: account.id }, 'bearer', 90 * 86_400);
      return jsonResponse(201, { accessToken: token, tokenType: 'Bearer', expiresIn: 90 * 86_400 });
    }),
  );

  router.add('GET', '/jmap/eventsource', (request) =>
    withUser(ctx, request, async (account) => {
      if (!ctx.streaming) return problem(501, 'about:blank', 'push is served by the web role, not here');
      return eventSourceResponse(ctx, account, request.query);
    }),
  );
  return router;
}
