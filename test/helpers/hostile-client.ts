/**
 * Raw sockets for the hostile-client suites: send some bytes, wait for what the server says, then
 * hang up with a FIN (socket.end) or an RST (socket.resetAndDestroy). Nothing here retries.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { NodeProcess } from './node-process';

export type HangUp = 'fin' | 'rst';

/** A socket's input as it arrives, with a way to wait for a pattern. */
export class RawClient {
  received = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    // ECONNRESET and the like are expected here: the server may drop us first.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** Resolves when the input matches `pattern`, or the connection closed (then it must have matched). */
  async waitFor(pattern: RegExp): Promise<string> {
    while (!pattern.test(this.text)) {
      if (this.closed) throw new Error(`connection closed; got ${JSON.stringify(this.text.slice(0, 300))}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.text;
  }

  /** Resolves once the server has closed the connection (or we did). */
  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  hangUp(how: HangUp): void {
    if (how === 'fin') this.socket.end();
    else this.socket.resetAndDestroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** A real TLS ClientHello, captured from Node's own client, for sending in pieces. */
export function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        resolve(chunk);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      const client = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      client.on('error', () => undefined);
    });
    server.on('error', reject);
  });
}

/** TLS over an existing raw connection (implicit TLS, or after STARTTLS); the raw socket stays ours to RST. */
export function upgrade(raw: RawClient, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  raw.socket.removeAllListeners('data');
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket: raw.socket, rejectUnauthorized: false, ...options });
    secure.once('secureConnect', () => resolve(secure));
    secure.once('error', reject);
  });
}

/** Reads from a TLS socket until `pattern` matches. */
export function readUntil(socket: tls.TLSSocket, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (pattern.test(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed; got ${JSON.stringify(text.slice(0, 300))}`)));
  });
}

const checkedUpTo = new WeakMap<NodeProcess, number>();

/**
 * The node process is still running (it neither exited nor was killed by a signal), and logged
 * no unhandled rejection or uncaught exception since the last check: the process guards keep a
 * node alive after a rejection, so the log is where such a bug shows.
 */
export function expectAlive(node: NodeProcess): void {
  const child = node.child!;
  expect({ exitCode: child.exitCode, signal: child.signalCode }).toEqual({ exitCode: null, signal: null });
  const fresh = node.output.slice(checkedUpTo.get(node) ?? 0);
  checkedUpTo.set(node, node.output.length);
  expect(fresh).not.toMatch(/uncaught exception|unhandled promise rejection/);
}

/** Runs an admin command through the node's /internal/admin endpoint, as the CLI does. */
export async function adminCommand(
  dataDir: string,
  httpPort: number,
  command: Record<string, unknown>,
): Promise<unknown> {
  const { token } = JSON.parse(readFileSync(path.join(dataDir, 'node.json'), 'utf8')) as { token: string };
  const res = await fetch(`http://127.0.0.1:${httpPort}/internal/admin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(command),
  });
  if (res.status !== 200)
    throw new Error(`admin ${JSON.stringify(command)}: ${res.status} ${await res.text()}`);
  return res.json();
}
