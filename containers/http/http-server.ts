import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export type Route = (
  req: IncomingMessage,
  body: Buffer,
) => Promise<{ status: number; headers?: Record<string, string>; body: string | Buffer }>;

/** The node's HTTP listener: health checks, metrics and the admin endpoint (web handlers later). */
export class HttpServer {
  private readonly server: http.Server;
  private readonly routes = new Map<string, Route>();

  constructor(
    private readonly log: Logger,
    private readonly maxBodyBytes = 1024 * 1024,
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  route(method: string, path: string, handler: Route): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.routes.get(`${req.method} ${url.pathname}`);
    if (!route) return send(res, 404, { error: 'not found' });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > this.maxBodyBytes) return send(res, 413, { error: 'request body too large' });
      chunks.push(chunk as Buffer);
    }
    try {
      const result = await route(req, Buffer.concat(chunks));
      res.writeHead(result.status, { 'content-type': 'application/json', ...result.headers });
      res.end(result.body);
    } catch (error) {
      this.log.error({ err: error, path: url.pathname }, 'http handler failed');
      send(res, 500, { error: 'internal error' });
    }
  }
}

export function json(status: number, value: unknown): { status: number; body: string } {
  return { status, body: JSON.stringify(value) };
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
