/**
 * Calls the web handlers three ways with one request shape: over HTTP against the running node,
 * and as API Gateway (HTTP API, payload 2.0) and ALB Lambda events through the middy wrapper
 * (functions/lambda/wrap.ts) with the node's WebContext. Suites run the same assertions per mode.
 */
import type { Context } from 'aws-lambda';
import nodemailer from 'nodemailer';
import { adminHandler } from '../../functions/admin/routes';
import { autoconfigRouter } from '../../functions/autoconfig/routes';
import { jmapRouter } from '../../functions/jmap/routes';
import { wrapWebHandler, type LambdaResult } from '../../functions/lambda/wrap';
import type { WebContext } from '../../functions/web/context';
import type { WebHandler } from '../../functions/web/types';
import { webmailRouter } from '../../functions/webmail/routes';
import { startTestNode, type TestNode } from '../helpers/in-process-node';

export type Mode = 'http' | 'apigw' | 'alb';
export const MODES: Mode[] = ['http', 'apigw', 'alb'];

export interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}
export interface Res {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
  cookies: string[];
}

/** Which Lambda (functions/<area>/handler.ts) serves a path: the same build functions. */
function areaOf(path: string): (ctx: WebContext) => WebHandler {
  if (path.startsWith('/jmap') || path === '/.well-known/jmap') return (ctx) => jmapRouter(ctx).handle;
  if (path.startsWith('/api/admin') || path.startsWith('/admin/')) return (ctx) => adminHandler(ctx);
  if (/autoconfig|autodiscover|config-v1\.1/i.test(path)) return (ctx) => autoconfigRouter(ctx).handle;
  return (ctx) => webmailRouter(ctx).handle;
}

const fakeContext = {
  getRemainingTimeInMillis: () => 29_000,
  functionName: 'test',
  awsRequestId: 'test',
} as unknown as Context;

export class WebHarness {
  private handlers = new Map<string, ReturnType<typeof wrapWebHandler>>();
  constructor(readonly node: TestNode) {}

  static async start(overrides: Record<string, unknown> = {}): Promise<WebHarness> {
    const node = await startTestNode({ 'imap.allowInsecureAuth': true, ...overrides });
    return new WebHarness(node);
  }

  get base(): string {
    return `http://127.0.0.1:${this.node.ports.http}`;
  }

  async addUser(address: string, password: string): Promise<void> {
    const domain = address.split('@')[1];
    await this.node.admin({ op: 'domain.add', name: domain }).catch(() => undefined);
    await this.node.admin({ op: 'user.add', address, password });
  }

  basic(user: string, password: string): Record<string, string> {
    return { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') };
  }

  async call(mode: Mode, req: Req): Promise<Res> {
    const method = req.method ?? (req.body === undefined ? 'GET' : 'POST');
    const headers: Record<string, string> = { ...req.headers };
    let body: Buffer | undefined;
    if (req.body !== undefined) {
      body = Buffer.isBuffer(req.body)
        ? req.body
        : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
      if (!headers['content-type'])
        headers['content-type'] =
          typeof req.body === 'object' && !Buffer.isBuffer(req.body)
            ? 'application/json'
            : 'application/octet-stream';
    }
    if (mode === 'http') {
      const res = await fetch(this.base + req.path, {
        method,
        headers,
        body: body ? new Uint8Array(body) : undefined,
        redirect: 'manual',
      });
      const buf = Buffer.from(await res.arrayBuffer());
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => (out[k] = v));
      return wrapRes(res.status, out, buf, res.headers.getSetCookie());
    }
    const url = new URL(req.path, 'http://x');
    const key = areaOf(url.pathname);
    let handler = this.handlers.get(key.toString());
    if (!handler) {
      // The Lambda composition root has no long-held requests: streaming off, as in functions/lambda/context.ts.
      handler = wrapWebHandler(key, async () => ({ ...this.node.web!, streaming: false }));
      this.handlers.set(key.toString(), handler);
    }
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const event =
      mode === 'apigw'
        ? {
            version: '2.0',
            routeKey: '$default',
            rawPath: url.pathname,
            rawQueryString: url.search.slice(1),
            headers: { host: 'api.test.example', ...lower },
            cookies: lower.cookie ? lower.cookie.split(/;\s*/) : undefined,
            requestContext: {
              http: {
                method,
                path: url.pathname,
                protocol: 'HTTP/1.1',
                sourceIp: '198.51.100.7',
                userAgent: 'test',
              },
              requestId: 'r',
              routeKey: '$default',
              stage: '$default',
              timeEpoch: Date.now(),
            },
            body: body ? body.toString('base64') : undefined,
            isBase64Encoded: Boolean(body),
          }
        : {
            requestContext: {
              elb: {
                targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/abc',
              },
            },
            httpMethod: method,
            path: url.pathname,
            queryStringParameters: Object.fromEntries(
              [...url.searchParams].map(([k, v]) => [k, encodeURIComponent(v)]),
            ),
            headers: {
              host: 'alb.test.example',
              'x-forwarded-proto': 'https',
              'x-forwarded-for': '198.51.100.8',
              ...lower,
            },
            body: body ? body.toString('base64') : '',
            isBase64Encoded: Boolean(body),
          };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (await handler(event as any, fakeContext)) as LambdaResult & { cookies?: string[] };
    const outHeaders = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    const buf = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
    const cookies = result.cookies ?? (outHeaders['set-cookie'] ? outHeaders['set-cookie'].split('\n') : []);
    return wrapRes(result.statusCode ?? 200, outHeaders, buf, cookies);
  }

  async sendSmtp(
    from: string,
    to: string,
    subject: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.node.ports.smtp,
      ignoreTLS: true,
    });
    await transport.sendMail({ from, to, subject, text: `Body of ${subject}`, ...extra });
    transport.close();
  }

  async stop(): Promise<void> {
    await this.node.destroy();
  }
}

function wrapRes(status: number, headers: Record<string, string>, body: Buffer, cookies: string[]): Res {
  const text = body.toString('utf8');
  return { status, headers, body, text, json: () => JSON.parse(text), cookies };
}

export const USING = [
  'urn:ietf:params:jmap:core',
  'urn:ietf:params:jmap:mail',
  'urn:ietf:params:jmap:submission',
  'urn:ietf:params:jmap:vacationresponse',
  'urn:nimbus-mail:jmap:forwarding',
];
