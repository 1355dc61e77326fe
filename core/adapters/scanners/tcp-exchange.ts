import net from 'node:net';
import { ScannerError } from '../../ports/content-scanner';

export interface TcpEndpoint {
  host: string;
  port: number;
}

/** "127.0.0.1:3310", "[::1]:783", "host" (with a default port) → endpoint. */
export function parseEndpoint(text: string, defaultPort: number): TcpEndpoint {
  const match = /^\[?([^\]]+?)\]?(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) throw new Error(`invalid address "${text}" (use host:port)`);
  return { host: match[1], port: match[2] ? Number(match[2]) : defaultPort };
}

/**
 * One request/response exchange with a daemon that answers and closes the connection (spamd,
 * clamd's z-commands): writes `parts` (a generator, so big messages stream), half-closes, and
 * collects everything until the daemon closes. Fails with ScannerError on errors or timeout.
 */
export function tcpExchange(
  scanner: string,
  endpoint: TcpEndpoint,
  parts: Iterable<Buffer>,
  timeoutMs: number,
  maxResponse = 4 * 1024 * 1024,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const fail = (message: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new ScannerError(scanner, message, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.on('error', (error) => fail(`${endpoint.host}:${endpoint.port}: ${error.message}`, error));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxResponse) return fail('response too large');
      chunks.push(chunk);
    });
    socket.on('end', () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(Buffer.concat(chunks));
    });
    socket.on('connect', async () => {
      try {
        for (const part of parts) {
          if (!socket.write(part)) await new Promise((r) => socket.once('drain', r));
          if (settled) return;
        }
        socket.end();
      } catch (error) {
        fail((error as Error).message, error);
      }
    });
  });
}
