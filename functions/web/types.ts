/**
 * Web handlers are plain functions from a WebRequest to a WebResponse. Two adapters feed them:
 * the node's HTTP server (containers/http) and Lambda events through middy (functions/lambda).
 */
import { JsonBodyError } from '../../core/util/bounded-json';

export interface WebRequest {
  method: string;
  /** The path without the query string, e.g. /jmap/api. */
  path: string;
  query: URLSearchParams;
  /** Header names lower-cased; repeated headers joined with ", " (cookies with "; "). */
  headers: Record<string, string>;
  body: Buffer;
  sourceIp: string;
  /** The client reached us over TLS (directly, or per the load balancer's X-Forwarded-Proto). */
  secure: boolean;
  /** Path parameters filled by the router. */
  params?: Record<string, string>;
}

/** A long-held response (EventSource): only the node's HTTP server can serve it. */
export interface StreamSink {
  write(chunk: string): void;
  end(): void;
  onClose(listener: () => void): void;
}

export interface WebResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  stream?: (sink: StreamSink) => void;
}

export type WebHandler = (request: WebRequest) => Promise<WebResponse>;

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): WebResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(value),
  };
}

export function problem(
  status: number,
  type: string,
  detail: string,
  extra: Record<string, unknown> = {},
): WebResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify({ type, status, detail, ...extra }),
  };
}

/** A small router: "GET /jmap/download/:accountId/:blobId/:name", "* /webmail/*" (rest in params['*']). */
export class Router {
  private readonly routes: {
    method: string;
    pattern: RegExp;
    names: string[];
    handler: WebHandler;
    path: string;
  }[] = [];

  add(method: string, path: string, handler: WebHandler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg === '*') {
          names.push('*');
          return '(.*)';
        }
        if (seg.startsWith(':')) {
          names.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler, path });
    return this;
  }

  /** [method, path] of every route (the OpenAPI sync test reads these). */
  list(): [string, string][] {
    return this.routes.map((r) => [r.method, r.path]);
  }

  match(request: WebRequest): { handler: WebHandler; params: Record<string, string> } | null {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(request.path);
      if (!m) continue;
      pathMatched = true;
      if (
        route.method !== '*' &&
        route.method !== request.method &&
        !(route.method === 'GET' && request.method === 'HEAD')
      )
        continue;
      const params: Record<string, string> = {};
      for (const [i, name] of route.names.entries()) {
        const value = decodeComponent(m[i + 1] ?? '');
        if (value === null) return { handler: async () => BAD_ESCAPE, params: {} };
        params[name] = value;
      }
      return { handler: answeringBadJson(route.handler), params };
    }
    return pathMatched
      ? { handler: async () => jsonResponse(405, { error: 'method not allowed' }), params: {} }
      : null;
  }

  handle: WebHandler = async (request) => {
    const found = this.match(request);
    if (!found) return jsonResponse(404, { error: 'not found' });
    return found.handler({ ...request, params: found.params });
  };
}

/** Tries several routers in turn (the node mounts every area on one server). */
export function combine(...routers: Router[]): WebHandler {
  return async (request) => {
    for (const router of routers) {
      const found = router.match(request);
      if (found) return found.handler({ ...request, params: found.params });
    }
    return jsonResponse(404, { error: 'not found' });
  };
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    const value = i > 0 ? decodeComponent(part.slice(i + 1).trim()) : null;
    // A cookie that is not valid percent-encoding is someone else's (or junk): skipped.
    if (value !== null) out[part.slice(0, i).trim()] = value;
  }
  return out;
}

/** decodeURIComponent, or null for a malformed escape (`%E0`), which would throw a URIError. */
function decodeComponent(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

const BAD_ESCAPE = jsonResponse(400, { error: 'malformed percent-encoding in the path' });

/** A body JSON reader's refusal (too deep, too large, not JSON) that a handler let through is the client's 400. */
function answeringBadJson(handler: WebHandler): WebHandler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof JsonBodyError) return jsonResponse(400, { error: error.message });
      throw error;
    }
  };
}
