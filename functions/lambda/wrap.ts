/**
 * The Lambda adapter: API Gateway HTTP API (payload 2.0) and ALB events → WebRequest, the
 * handler's WebResponse → the matching result shape, through middy (with its HTTP error handler
 * as the last line of defence). Streaming responses (EventSource) cannot be served here.
 */
import type {
  Context,
  ALBEvent,
  ALBResult,
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type { WebContext } from '../web/context';
import type { WebHandler, WebRequest, WebResponse } from '../web/types';
import { lambdaContext } from './context';

/** @middy/* are ESM only: loaded once with a dynamic import (esbuild inlines them in the bundle). */
async function middyModules() {
  const [core, errors] = await Promise.all([import('@middy/core'), import('@middy/http-error-handler')]);
  return { middy: core.default, httpErrorHandler: errors.default };
}

export type LambdaEvent = APIGatewayProxyEventV2 | ALBEvent;
export type LambdaResult = APIGatewayProxyStructuredResultV2 | ALBResult;

const isAlb = (event: LambdaEvent): event is ALBEvent => 'elb' in ((event as ALBEvent).requestContext ?? {});

export function toWebRequest(event: LambdaEvent): WebRequest {
  const headers: Record<string, string> = {};
  if (isAlb(event)) {
    if (event.multiValueHeaders) {
      for (const [k, v] of Object.entries(event.multiValueHeaders))
        headers[k.toLowerCase()] = (v ?? []).join(k.toLowerCase() === 'cookie' ? '; ' : ', ');
    }
    for (const [k, v] of Object.entries(event.headers ?? {}))
      if (v !== undefined) headers[k.toLowerCase()] = v;
    const query = new URLSearchParams();
    if (event.multiValueQueryStringParameters) {
      for (const [k, vs] of Object.entries(event.multiValueQueryStringParameters))
        for (const v of vs ?? []) query.append(k, decodeURIComponent(v));
    } else {
      for (const [k, v] of Object.entries(event.queryStringParameters ?? {}))
        if (v !== undefined) query.append(k, decodeURIComponent(v));
    }
    const forwarded = (headers['x-forwarded-for'] ?? '').split(',')[0].trim();
    return {
      method: event.httpMethod.toUpperCase(),
      path: event.path,
      query,
      headers,
      body: event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0),
      sourceIp: forwarded || '0.0.0.0',
      secure: (headers['x-forwarded-proto'] ?? 'https') === 'https',
    };
  }
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  if (event.cookies && event.cookies.length > 0) headers.cookie = event.cookies.join('; ');
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body: event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0),
    sourceIp: event.requestContext.http.sourceIp,
    // API Gateway only listens on HTTPS.
    secure: true,
  };
}

const TEXTUAL = /^(text\/|application\/(json|problem\+json|xml|javascript|xhtml\+xml)|image\/svg\+xml)/;

export function toLambdaResult(response: WebResponse, event: LambdaEvent): LambdaResult {
  if (response.stream) {
    return {
      statusCode: 501,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: 'streaming responses are served by the web role' }),
    };
  }
  const headers = { ...(response.headers ?? {}) };
  const body = response.body ?? '';
  const binary = Buffer.isBuffer(body) && !TEXTUAL.test(headers['content-type'] ?? '');
  const encoded = binary
    ? (body as Buffer).toString('base64')
    : Buffer.isBuffer(body)
      ? body.toString('utf8')
      : body;
  const setCookie = headers['set-cookie'];
  delete headers['set-cookie'];
  if (isAlb(event)) {
    return {
      statusCode: response.status,
      statusDescription: `${response.status}`,
      headers: setCookie ? { ...headers, 'set-cookie': setCookie } : headers,
      body: encoded,
      isBase64Encoded: binary,
    };
  }
  return {
    statusCode: response.status,
    headers,
    body: encoded,
    isBase64Encoded: binary,
    ...(setCookie ? { cookies: setCookie.split(/\n/) } : {}),
  };
}

/**
 * A middy-wrapped Lambda handler around a web handler. `provide` builds the WebContext (once per
 * container: cold start); tests pass a running node's context.
 */
export function wrapWebHandler(
  build: (ctx: WebContext) => WebHandler,
  provide: () => Promise<WebContext> = lambdaContext,
) {
  let handler: Promise<WebHandler> | null = null;
  const wrapped = middyModules().then(({ middy, httpErrorHandler }) =>
    middy<LambdaEvent, LambdaResult>()
      .use(httpErrorHandler({ fallbackMessage: JSON.stringify({ error: 'internal error' }) }))
      .handler(async (event) => {
        // A failed cold start (store unreachable) is not kept: the next invocation builds again.
        handler ??= provide()
          .then(build)
          .catch((error: unknown) => {
            handler = null;
            throw error;
          });
        const web = await handler;
        return toLambdaResult(await web(toWebRequest(event)), event);
      }),
  );
  wrapped.catch(() => undefined);
  return async (event: LambdaEvent, context: Context): Promise<LambdaResult> =>
    (await wrapped)(event, context);
}

/** The exported `handler` of functions/<area>/handler.ts. */
export const lambdaHandler = (build: (ctx: WebContext) => WebHandler) => wrapWebHandler(build);
