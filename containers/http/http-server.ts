import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebHandler, WebRequest } from '../../functions/web/types';
import { proxyFront } from '../net/proxy-front';
import { readBody } from './body-reader';

export type Route = (
  req: IncomingMessage,
  body: Buffer,
) => Promise<{ status: number; headers?: Record<string, string>; body: string | Buffer }>;

/**
 * The node's HTTP listener: health checks, metrics and the admin endpoint as exact routes; the
 * web handlers (functions/: JMAP, webmail, admin API, autoconfig) mounted behind them, with
 * streamed responses (EventSource) for long-held requests.
 */
export class HttpServer {
  private readonly server: http.Server;
  private readonly routes = new Map<string, Route>();
  private web: { handler: WebHandler; maxBodyBytes: number } | null = null;
  /** PROXY seam: the TCP front that strips a load balancer's PROXY header (see acceptProxyFrom). */
  private front: net.Server | null = null;
  private proxyNetworks: readonly string[] = [];

  constructor(
    private readonly log: Logger,
    private readonly maxBodyBytes = 1024 * 1024,
  ) {
    this.server = http.createServer((req, res) => this.dispatch(req, res));
    this.server.keepAliveTimeout = 5000;
    this.server.on('clientError', (error, socket) => onClientError(error, socket, this.log));
  }

  route(method: string, path: string, handler: Route): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  /** Connections from these networks may start with a PROXY v1/v2 header (the NLB's health checks). Call before listen. */
  acceptProxyFrom(networks: readonly string[]): void {
    this.proxyNetworks = networks;
  }

  /** Requests no exact route takes go to `handler` (bodies up to `maxBodyBytes`). */
  mount(handler: WebHandler, maxBodyBytes = 32 * 1024 * 1024): void {
    this.web = { handler, maxBodyBytes };
  }

  listen(port: number, host: string): Promise<number> {
    if (this.proxyNetworks.length > 0) {
      this.front = proxyFront(this.server, this.proxyNetworks, (error, remote) =>
        this.log.debug({ err: error, remote }, 'http connection dropped before the request'),
      );
    }
    const listener = this.front ?? this.server;
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, host, () => {
        listener.off('error', reject);
        // A server error after listening (accept failing) must be logged, not an uncaught exception.
        listener.on('error', (error) => this.log.error({ err: error }, 'http listener error'));
        const address = listener.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    this.front?.close();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Every request ends here, whatever happens inside: a failure is this request's 500, never the process's. */
  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', (error) => this.log.debug({ err: error }, 'http response error'));
    this.handle(req, res).catch((error: unknown) => {
      this.log.error({ err: error, method: req.method, url: req.url }, 'http request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseUrl(req.url);
    if (!url) return send(res, 400, { error: 'bad request target' });
    const route = this.routes.get(`${req.method} ${url.pathname}`);
    if (!route && !this.web) return send(res, 404, { error: 'not found' });
    const limit = route ? this.maxBodyBytes : this.web!.maxBodyBytes;
    const read = await readBody(req, limit);
    if (!read.ok && read.reason === 'too-large') {
      // Close rather than drain: the client may be sending gigabytes.
      res.shouldKeepAlive = false;
      return send(res, 413, { error: 'request body too large' });
    }
    if (!read.ok) {
      this.log.debug({ err: read.error, path: url.pathname }, 'http request body incomplete');
      return void res.destroy();
    }
    if (!route) return this.handleWeb(req, res, url, read.body);
    try {
      const result = await route(req, read.body);
      res.writeHead(result.status, { 'content-type': 'application/json', ...result.headers });
      res.end(result.body);
    } catch (error) {
      this.log.error({ err: error, path: url.pathname }, 'http handler failed');
      send(res, 500, { error: 'internal error' });
    }
  }

  private async handleWeb(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined)
        headers[name] = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
    }
    const request: WebRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      sourceIp: req.socket.remoteAddress ?? '',
      // Plain HTTP here; TLS ends at the load balancer, which says so in X-Forwarded-Proto.
      secure: headers['x-forwarded-proto'] === 'https',
    };
    try {
      const response = await this.web!.handler(request);
      const outHeaders: Record<string, string | string[]> = { ...response.headers };
      if (typeof outHeaders['set-cookie'] === 'string')
        outHeaders['set-cookie'] = outHeaders['set-cookie'].split('\n');
      if (response.stream) {
        res.writeHead(response.status, outHeaders);
        res.flushHeaders();
        req.socket.setTimeout(0);
        const listeners: (() => void)[] = [];
        res.on('close', () => listeners.forEach((l) => l()));
        response.stream({
          write: (chunk) => void res.write(chunk),
          end: () => res.end(),
          onClose: (l) => listeners.push(l),
        });
        return;
      }
      res.writeHead(response.status, outHeaders);
      res.end(request.method === 'HEAD' ? undefined : (response.body ?? ''));
    } catch (error) {
      this.log.error({ err: error, path: url.pathname }, 'web handler failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.end();
    }
  }
}

export function json(status: number, value: unknown): { status: number; body: string } {
  return { status, body: JSON.stringify(value) };
}

function send(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** The request target as a URL, or null when it is not one (`GET http://[ HTTP/1.1`). */
function parseUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

/** Malformed requests (bad headers, a chunk size that overflows …): 400 if the socket still takes it. */
function onClientError(error: Error, socket: Duplex, log: Logger): void {
  log.debug({ err: error }, 'http client error');
  if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || !socket.writable)
    return void socket.destroy();
  socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () =>
    socket.destroy(),
  );
}
