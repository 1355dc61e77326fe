import { spawnSync } from 'node:child_process';
import net from 'node:net';
import pg from 'pg';
import { LocalCluster, freePort, type LocalClusterOptions } from '../../containers/cluster/local-cluster';

/** The HAProxy binary (HAPROXY_BIN, else haproxy on PATH or /usr/sbin/haproxy), or null. */
export function haproxyBinary(): string | null {
  for (const candidate of [process.env.HAPROXY_BIN, 'haproxy', '/usr/sbin/haproxy']) {
    if (!candidate) continue;
    if (spawnSync(candidate, ['-v'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  return null;
}

export const ADMIN_DATABASE_URL =
  process.env.NIMBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * A raw line-oriented client (SMTP, IMAP) over loopback. `proxyFrom` sends a PROXY v1 header
 * first: the nodes trust 127.0.0.1 as their load balancer, so a direct connection must send one.
 */
export class LineClient {
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;
  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, options: { proxy?: boolean } = {}): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        if (options.proxy) socket.write(`PROXY TCP4 127.0.0.1 127.0.0.1 ${socket.localPort} ${port}\r\n`);
        resolve(new LineClient(socket));
      });
      socket.once('error', reject);
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Waits for a complete line matching `pattern`; returns it and drops everything before it. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.buffer.split('\r\n');
      for (let i = 0; i < lines.length - 1; i++) {
        if (pattern.test(lines[i])) {
          this.buffer = lines.slice(i + 1).join('\r\n');
          return lines[i];
        }
      }
      if (this.closed) throw new Error(`connection closed waiting for ${pattern}: ${this.buffer}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${pattern}: ${this.buffer}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Final SMTP reply line (`250 …`, not `250-…`). */
  reply(timeoutMs?: number): Promise<string> {
    return this.waitFor(/^\d{3} /, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One SMTP transaction on a fresh connection; resolves with the final reply to the data (or throws). */
export async function sendMail(
  port: number,
  message: { from: string; to: string; subject: string; body?: string },
  options: { proxy?: boolean; expectHost?: string } = {},
): Promise<{ reply: string; greeting: string }> {
  const client = await LineClient.connect(port, options);
  try {
    const greeting = await client.reply();
    if (!greeting.startsWith('220')) throw new Error(`greeting ${greeting}`);
    client.write('EHLO cluster-test.example\r\n');
    await expectCode(client, 250);
    client.write(`MAIL FROM:<${message.from}>\r\n`);
    await expectCode(client, 250);
    client.write(`RCPT TO:<${message.to}>\r\n`);
    await expectCode(client, 250);
    client.write('DATA\r\n');
    await expectCode(client, 354);
    client.write(
      `From: ${message.from}\r\nTo: ${message.to}\r\nSubject: ${message.subject}\r\n\r\n${message.body ?? 'hello'}\r\n.\r\n`,
    );
    const reply = await client.reply();
    client.write('QUIT\r\n');
    return { reply, greeting };
  } finally {
    setTimeout(() => client.close(), 100).unref();
  }
}

export async function expectCode(client: LineClient, code: number): Promise<string> {
  const line = await client.reply();
  if (!line.startsWith(String(code))) throw new Error(`expected ${code}, got ${line}`);
  return line;
}

/**
 * A local cluster for the integration suites: every HAProxy frontend on a free port, fast health
 * checks and heartbeats, plaintext logins on loopback, the test PostgreSQL. `options` overrides.
 */
export async function upTestCluster(
  options: Pick<LocalClusterOptions, 'topology' | 'dir'> & Partial<LocalClusterOptions>,
): Promise<LocalCluster> {
  return LocalCluster.up({
    adminDatabaseUrl: ADMIN_DATABASE_URL,
    haproxyBin: haproxyBinary() ?? undefined,
    frontends: {
      smtp: await freePort(),
      submission: await freePort(),
      imap: await freePort(),
      pop3: await freePort(),
      managesieve: await freePort(),
      http: await freePort(),
    },
    checkIntervalMs: 300,
    heartbeatSeconds: 1,
    insecureAuth: true,
    ...options,
  });
}
