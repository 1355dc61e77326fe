/**
 * Shared set-up for the IMAP end-to-end suites: a whole test node (PGlite or the CI
 * PostgreSQL) plus an ImapServer of our own on a free port, with insecure auth allowed on
 * loopback so that real clients can log in without TLS.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import pino from 'pino';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { ImapServer, DEFAULT_IMAP_OPTIONS, type ImapServerOptions } from '../../containers/imap/imap-server';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { startTestNode, type TestNode } from '../helpers/in-process-node';

export interface ImapHarness {
  node: TestNode;
  imap: ImapServer;
  port: number;
  close(): Promise<void>;
}

export async function startImapHarness(options: Partial<ImapServerOptions> = {}): Promise<ImapHarness> {
  const node = await startTestNode();
  const imap = new ImapServer({
    options: { ...DEFAULT_IMAP_OPTIONS, hostname: 'imap.test.example', allowInsecureAuth: true, ...options },
    directory: node.directory,
    store: node.mailboxes,
    db: node.storage.db,
    blobs: node.storage.blobs,
    events: node.storage.events,
    secureContext: () => {
      throw new Error('no TLS in this harness');
    },
    authThrottle: new AuthThrottle({ maxFailures: 3, windowSeconds: 60, lockoutSeconds: 60 }),
    log: pino({ level: process.env.NIMBUS_TEST_LOG ?? 'silent' }),
    nodeId: 'test',
  });
  const port = await imap.listen(0, '127.0.0.1');
  return {
    node,
    imap,
    port,
    async close() {
      await imap.close();
      await node.destroy();
    },
  };
}

export async function addUser(
  h: ImapHarness,
  address: string,
  password: string,
  quotaBytes?: number,
): Promise<void> {
  const domain = address.split('@')[1];
  await h.node.admin({ op: 'domain.add', name: domain }).catch(() => undefined);
  await h.node.admin({ op: 'user.add', address, password, ...(quotaBytes ? { quotaBytes } : {}) });
}

export function client(h: ImapHarness, user: string, pass: string): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: h.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass },
    logger: false,
  } as ConstructorParameters<typeof ImapFlow>[0]);
}

export async function deliver(h: ImapHarness, to: string, subject: string, text: string): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: h.node.ports.smtp!,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ from: 'sender@remote.test', to, subject, text });
}

/** Runs a Python imaplib script (stdin) with PORT in its environment; resolves its stdout. */
export function python(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'python3',
      ['-c', script],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}\n${stdout}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end();
  });
}

/** A raw protocol conversation: send lines, read until the tagged reply. */
/** A small test message with a subject. */
export const testMessage = (subject: string, body = 'body'): string =>
  `Subject: ${subject}\r\nFrom: x@example.org\r\n\r\n${body}\r\n`;

export class RawImap {
  private buffer = '';
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      this.buffer += data;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(port: number): Promise<RawImap> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const raw = new RawImap(socket);
    await raw.until(/^\* OK .*\r\n/m);
    raw.take();
    return raw;
  }

  get closed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Waits until the buffer matches `re` (or the socket closes / times out). */
  async until(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.buffer)) {
      if (this.closed && !re.test(this.buffer)) throw new Error(`closed; got: ${this.buffer}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${re}; got: ${this.buffer}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.buffer;
  }

  take(): string {
    const out = this.buffer;
    this.buffer = '';
    return out;
  }

  /** Sends `tag command` and returns everything up to and including the tagged response. */
  async command(tag: string, command: string): Promise<string> {
    this.write(`${tag} ${command}\r\n`);
    return this.tagged(tag);
  }

  /** APPEND with a non-synchronising literal (LITERAL+), tag A; returns the responses. */
  append(mailbox: string, text: string, flags = ''): Promise<string> {
    return this.command(
      'A',
      `APPEND ${mailbox} ${flags ? `(${flags}) ` : ''}{${Buffer.byteLength(text)}+}\r\n${text}`,
    );
  }

  async tagged(tag: string): Promise<string> {
    const re = new RegExp(
      `(^|\\r\\n)${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (OK|NO|BAD)[^\\r\\n]*\\r\\n`,
    );
    await this.until(re);
    const m = re.exec(this.buffer)!;
    const end = m.index + m[0].length;
    const out = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end);
    return out;
  }

  async close(): Promise<void> {
    this.socket.destroy();
  }
}
