import { execFile } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import pino from 'pino';
import { LocalDelivery } from '../../core/delivery/local-delivery';
import { MessageAcceptor } from '../../core/delivery/message-acceptor';
import { processInboundJob } from '../../core/delivery/inbound-job';
import { MailboxStore } from '../../core/store/mailbox-store';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { loadTlsContext } from '../../containers/net/tls-context';
import { Pop3Server } from '../../containers/pop3/pop3-server';
import type { Pop3Options } from '../../containers/pop3/types';
import { startTestNode, type TestNode } from '../helpers/in-process-node';

/**
 * Shared parts of the POP3 suites: a node running only the pop3 role (real PGlite, blobs, TLS),
 * synchronous delivery through the real accept → spool → deliver path, extra Pop3Servers with
 * chosen options over the same database, and a raw byte-exact POP3 client.
 */
export interface Pop3Fixture {
  node: TestNode;
  deliver(recipients: string | string[], message: string | Buffer): Promise<void>;
  /** Another POP3 server on the node's database, with its own MailboxStore and lock instance. */
  server(
    options?: Partial<Pop3Options>,
    throttle?: AuthThrottle,
  ): Promise<{ port: number; server: Pop3Server }>;
  uids(address: string): Promise<number[]>;
  close(): Promise<void>;
}

export const DEFAULT_OPTIONS: Pop3Options = {
  allowInsecureAuth: true,
  idleTimeoutMs: 60_000,
  maxConnections: 50,
  maxConnectionsPerIp: 50,
  maxCommandLineLength: 512,
  maxErrors: 20,
  hostname: 'pop.test.example',
  implicitTls: false,
};

export async function startPop3Fixture(users: Record<string, string>): Promise<Pop3Fixture> {
  const node = await startTestNode({ roles: 'pop3' });
  await node.admin({ op: 'domain.add', name: 'pop.test' });
  for (const [address, password] of Object.entries(users))
    await node.admin({ op: 'user.add', address, password });
  const { db, blobs, spool, events } = node.storage;
  const delivery = new LocalDelivery(db, blobs, spool, node.directory, node.mailboxes, events);
  const acceptor = new MessageAcceptor(db, blobs, spool);
  const tlsContext = await loadTlsContext(node.dataDir, 'localhost');
  const servers: Pop3Server[] = [];
  const log = pino({ level: process.env.NIMBUS_TEST_LOG ?? 'silent' });

  return {
    node,
    async deliver(to, message) {
      const data = typeof message === 'string' ? Buffer.from(message) : message;
      const recipients = (Array.isArray(to) ? to : [to]).map((address) => ({ address }));
      await acceptor.accept({ data, mailFrom: 'sender@remote.test', recipients });
      const jobs = await spool.receive('inbound', { max: 10, leaseSeconds: 60, owner: 'pop3-test' });
      for (const job of jobs) {
        const outcome = await processInboundJob(job, { db, spool, delivery });
        if (outcome !== 'delivered') throw new Error(`delivery ${outcome}`);
      }
    },
    async server(options = {}, throttle = new AuthThrottle()) {
      const server = new Pop3Server({
        options: { ...DEFAULT_OPTIONS, ...options },
        directory: node.directory,
        store: new MailboxStore(db, blobs, events),
        db,
        secureContext: tlsContext.context,
        authThrottle: throttle,
        log,
        nodeId: `test-${servers.length}`,
      });
      servers.push(server);
      return { port: await server.listen(0, '127.0.0.1'), server };
    },
    async uids(address) {
      const account = (await node.directory.getAccount(address))!;
      const inbox = (await node.mailboxes.getMailbox(account.id, 'INBOX'))!;
      return (await node.mailboxes.listMessages(inbox.id)).map((m) => m.uid);
    },
    async close() {
      for (const server of servers) await server.close(1000);
      await node.destroy();
    },
  };
}

/** A raw POP3 conversation over a real socket, byte-exact, with STLS. */
export class Pop3Client {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(private socket: net.Socket) {
    this.listen(socket);
  }

  static async connect(port: number, options: { tls?: boolean } = {}): Promise<Pop3Client> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = options.tls
        ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s))
        : net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    return new Pop3Client(socket);
  }

  /** Connects and reads the greeting. */
  static async open(port: number, options: { tls?: boolean } = {}): Promise<Pop3Client> {
    const client = await Pop3Client.connect(port, options);
    const greeting = await client.line();
    if (!greeting.startsWith('+OK')) throw new Error(`greeting: ${greeting}`);
    return client;
  }

  get encrypted(): boolean {
    return this.socket instanceof tls.TLSSocket;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(text: string): Promise<string> {
    this.send(`${text}\r\n`);
    return this.line();
  }

  /** Sends a command and reads a multi-line answer: status line, then the raw (still stuffed) body. */
  async multi(text: string): Promise<{ status: string; body: Buffer }> {
    this.send(`${text}\r\n`);
    return this.readMulti();
  }

  async readMulti(): Promise<{ status: string; body: Buffer }> {
    const status = await this.line();
    if (!status.startsWith('+OK')) return { status, body: Buffer.alloc(0) };
    return { status, body: await this.until('\r\n.\r\n', true) };
  }

  /** Lines of a multi-line answer, un-stuffed. */
  async lines(text: string): Promise<string[]> {
    const { status, body } = await this.multi(text);
    if (!status.startsWith('+OK')) throw new Error(`${text}: ${status}`);
    return unstuff(body)
      .toString('utf8')
      .split('\r\n')
      .filter((line, index, all) => index < all.length - 1 || line !== '');
  }

  async login(user: string, password: string): Promise<string> {
    const userReply = await this.command(`USER ${user}`);
    if (!userReply.startsWith('+OK')) return userReply;
    return this.command(`PASS ${password}`);
  }

  async stls(): Promise<void> {
    const reply = await this.command('STLS');
    if (!reply.startsWith('+OK')) throw new Error(`STLS: ${reply}`);
    await this.upgrade();
  }

  /** Starts TLS on the connection (after +OK to STLS), dropping anything unread in plaintext. */
  async upgrade(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    this.buffer = Buffer.alloc(0);
    this.socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ socket: plain, rejectUnauthorized: false }, () => resolve(s));
      s.once('error', reject);
    });
    this.listen(this.socket);
  }

  async line(timeoutMs = 10_000): Promise<string> {
    return (await this.until('\r\n', false, timeoutMs)).toString('utf8');
  }

  /** Whatever arrives until the server closes the connection. */
  async rest(timeoutMs = 10_000): Promise<string> {
    await this.waitClosed(timeoutMs);
    const text = this.buffer.toString('utf8');
    this.buffer = Buffer.alloc(0);
    return text;
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) await this.waitForData(deadline);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
  }

  /** Bytes up to `marker`; the marker is consumed, and kept (minus the final ".\r\n") when `keepEnd`. */
  private async until(marker: string, keepEnd: boolean, timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A body may be empty: the terminator then directly follows the status line.
      if (keepEnd && this.buffer.subarray(0, 3).toString() === '.\r\n') {
        this.buffer = this.buffer.subarray(3);
        return Buffer.alloc(0);
      }
      const index = this.buffer.indexOf(marker);
      if (index >= 0) {
        const end = keepEnd ? index + 2 : index;
        const found = Buffer.from(this.buffer.subarray(0, end));
        this.buffer = this.buffer.subarray(index + marker.length);
        return found;
      }
      if (this.closed)
        throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString())}`);
      await this.waitForData(deadline);
    }
  }

  private waitForData(deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const remaining = deadline - Date.now();
      const fail = () => reject(new Error(`timeout; unread: ${JSON.stringify(this.buffer.toString())}`));
      if (remaining <= 0) return fail();
      const timer = setTimeout(fail, remaining);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Reverses RFC 1939 byte-stuffing: a line starting ".." starts "." in the message. */
export function unstuff(body: Buffer): Buffer {
  return Buffer.from(body.toString('latin1').replace(/(^|\n)\.\./g, '$1.'), 'latin1');
}

/** Runs a Python script (async: the server lives in this process) and parses the JSON it prints. */
export function python<T>(script: string, ...args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', script, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`bad JSON from python: ${stdout}\n${stderr}`));
      }
    });
  });
}
