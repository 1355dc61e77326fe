/**
 * Realistic invocation events for booting Lambda assets: API Gateway HTTP API (payload 2.0), its
 * Lambda authorizer request, and EventBridge (CloudWatch alarm state change). Shapes follow the
 * AWS documentation's examples; values a service would fill in (ids, times) are plausible fakes.
 */
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';

export interface HttpRequest {
  method: string;
  /** Path with query, e.g. /jmap/api or /mail/config-v1.1.xml?emailaddress=a@b. */
  url: string;
  /** The route key API Gateway matched, e.g. `POST /jmap/api`. */
  routeKey: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  sourceIp?: string;
  /** The authorizer's context (routes behind a Lambda authorizer). */
  authorizer?: Record<string, unknown>;
}

const API_ID = 'a1b2c3d4e5';
const DOMAIN = `${API_ID}.execute-api.eu-west-1.amazonaws.com`;

function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
  const i = url.indexOf('?');
  return i === -1
    ? { rawPath: url, rawQueryString: '' }
    : { rawPath: url.slice(0, i), rawQueryString: url.slice(i + 1) };
}

/** API Gateway v2 folds Cookie headers into `cookies` and joins repeated headers with commas. */
export function httpApiEvent(request: HttpRequest): APIGatewayProxyEventV2 {
  const { rawPath, rawQueryString } = splitUrl(request.url);
  const headers: Record<string, string> = {
    host: DOMAIN,
    'user-agent': 'nimbus-boot-test',
    'x-forwarded-for': request.sourceIp ?? '203.0.113.7',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  let cookies: string[] | undefined;
  for (const [k, v] of Object.entries(request.headers ?? {})) {
    if (k.toLowerCase() === 'cookie') cookies = v.split(/;\s*/);
    else headers[k.toLowerCase()] = v;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) query[k] = query[k] ? `${query[k]},${v}` : v;
  const binary = Buffer.isBuffer(request.body);
  const now = Date.now();
  const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath,
    rawQueryString,
    cookies,
    headers,
    queryStringParameters: rawQueryString ? query : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: API_ID,
      domainName: DOMAIN,
      domainPrefix: API_ID,
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '203.0.113.7',
        userAgent: 'nimbus-boot-test',
      },
      requestId: `req${now}`,
      routeKey: request.routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(request.authorizer ? { authorizer: { lambda: request.authorizer } } : {}),
    },
    body:
      request.body === undefined
        ? undefined
        : binary
          ? (request.body as Buffer).toString('base64')
          : (request.body as string),
    isBase64Encoded: binary,
  };
  return event;
}

/** The REQUEST authorizer event (payload 2.0) for the same request. */
export function authorizerEvent(request: HttpRequest): APIGatewayRequestAuthorizerEventV2 {
  const http = httpApiEvent(request);
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/$default/${request.routeKey.replace(' ', '')}`,
    identitySource: [http.headers.authorization ?? ''],
    routeKey: request.routeKey,
    rawPath: http.rawPath,
    rawQueryString: http.rawQueryString,
    cookies: http.cookies ?? [],
    headers: http.headers as Record<string, string>,
    queryStringParameters: (http.queryStringParameters ?? {}) as Record<string, string>,
    requestContext: http.requestContext,
    pathParameters: {},
    stageVariables: {},
  };
}

/** An EventBridge "CloudWatch Alarm State Change" event, as the stage's rule forwards it. */
export function alarmStateChangeEvent(options: {
  alarmName: string;
  description: string;
  state: 'ALARM' | 'OK';
  reason: string;
  region?: string;
}) {
  const region = options.region ?? 'eu-west-1';
  const time = new Date().toISOString();
  return {
    version: '0',
    id: `evt-${Date.now()}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time,
    region,
    resources: [`arn:aws:cloudwatch:${region}:123456789012:alarm:${options.alarmName}`],
    detail: {
      alarmName: options.alarmName,
      state: { value: options.state, reason: options.reason, timestamp: time },
      previousState: { value: options.state === 'ALARM' ? 'OK' : 'ALARM', timestamp: time },
      configuration: { description: options.description, metrics: [] },
    },
  };
}
