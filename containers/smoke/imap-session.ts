/**
 * The few IMAP4rev1 commands the smoke test needs, over node:net/node:tls (imapflow is a test-only
 * dependency and not in the container bundle): greeting, STARTTLS, CAPABILITY, AUTHENTICATE PLAIN
 * or LOGIN, SELECT, UID SEARCH, UID FETCH, UID STORE, (UID) EXPUNGE, LOGOUT. One command at a
 * time; responses are read line by line with literals ({n}) collected whole.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface ImapResponse {
  /** Untagged lines (literals inlined as they came) and the literals of each, in order. */
  untagged: { line: string; literals: Buffer[] }[];
  status: 'OK' | 'NO' | 'BAD';
  text: string;
}

export class ImapError extends Error {}

export interface ImapConnectOptions {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls';
  /** Verify the server certificate against the system CAs (off with --insecure). */
  verify: boolean;
  timeoutMs: number;
}

export class ImapSession {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closed: Error | null = null;
  private tagCount = 0;
  capabilities: string[] = [];

  private constructor(
    private socket: net.Socket,
    private readonly options: ImapConnectOptions,
  ) {
    this.attach(socket);
  }

  /** Connects, reads the greeting and (starttls) upgrades; the session is then TLS either way. */
  static async connect(options: ImapConnectOptions): Promise<ImapSession> {
    const socket =
      options.tls === 'implicit'
        ? await secureConnect({ host: options.host, port: options.port }, options)
        : await plainConnect(options);
    const session = new ImapSession(socket, options);
    try {
      const greeting = await session.readLine();
      if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw new ImapError(`unexpected greeting: ${greeting}`);
      if (options.tls === 'starttls') {
        await session.command('STARTTLS');
        session.socket.removeAllListeners('data');
        session.socket = await secureConnect({ socket: session.socket }, options);
        session.buffer = Buffer.alloc(0);
        session.attach(session.socket);
      }
      await session.refreshCapabilities();
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  get tlsProtocol(): string | null {
    return this.socket instanceof tls.TLSSocket ? this.socket.getProtocol() : null;
  }

  async refreshCapabilities(): Promise<void> {
    const response = await this.command('CAPABILITY');
    const line = response.untagged.find((u) => /^\* CAPABILITY /i.test(u.line));
    this.capabilities = line ? line.line.slice('* CAPABILITY '.length).toUpperCase().split(/\s+/) : [];
  }

  async authenticate(user: string, password: string): Promise<void> {
    if (this.capabilities.includes('AUTH=PLAIN')) {
      const token = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
      await this.command('AUTHENTICATE PLAIN', token);
    } else {
      await this.command(`LOGIN ${quote(user)} ${quote(password)}`);
    }
    await this.refreshCapabilities();
  }

  /** Sends one command (and a continuation line after "+", if given); throws on NO/BAD. */
  async command(text: string, continuation?: string): Promise<ImapResponse> {
    if (/[\r\n]/.test(text) || (continuation && /[\r\n]/.test(continuation)))
      throw new ImapError('line breaks are not allowed in an IMAP command');
    const tag = `s${++this.tagCount}`;
    this.socket.write(`${tag} ${text}\r\n`);
    const untagged: ImapResponse['untagged'] = [];
    for (;;) {
      const { line, literals } = await this.readResponseLine();
      if (line.startsWith('+')) {
        this.socket.write(`${continuation ?? '*'}\r\n`);
        continue;
      }
      if (line.startsWith(`${tag} `)) {
        const match = /^\S+ (OK|NO|BAD)\b ?(.*)$/i.exec(line);
        if (!match) throw new ImapError(`bad tagged response: ${line}`);
        const status = match[1].toUpperCase() as ImapResponse['status'];
        const verb = text
          .split(' ')
          .slice(0, text.startsWith('UID ') ? 2 : 1)
          .join(' ');
        if (status !== 'OK') throw new ImapError(`${verb}: ${status} ${match[2]}`);
        return { untagged, status, text: match[2] };
      }
      untagged.push({ line, literals });
    }
  }

  logout(): void {
    if (this.closed) return;
    this.socket.write(`s${++this.tagCount} LOGOUT\r\n`);
    this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }

  private attach(socket: net.Socket): void {
    socket.setTimeout(this.options.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('timeout', () => socket.destroy(new ImapError('IMAP server stopped answering (timeout)')));
    socket.on('error', (error) => {
      this.closed = error;
      this.wake();
    });
    socket.on('close', () => {
      this.closed ??= new ImapError('IMAP connection closed by the server');
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async more(): Promise<void> {
    if (this.closed) throw this.closed;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private async readLine(): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffer.subarray(0, end).toString('utf8');
        this.buffer = this.buffer.subarray(end + 2);
        return line;
      }
      if (this.buffer.length > 1024 * 1024) throw new ImapError('IMAP response line too long');
      await this.more();
    }
  }

  private async readBytes(count: number): Promise<Buffer> {
    while (this.buffer.length < count) await this.more();
    const data = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(count);
    return data;
  }

  /** A response line with its literals: "* 1 FETCH (BODY[] {12}" CRLF <12 bytes> ")" CRLF. */
  private async readResponseLine(): Promise<{ line: string; literals: Buffer[] }> {
    let line = await this.readLine();
    const literals: Buffer[] = [];
    for (;;) {
      const literal = /\{(\d+)\}$/.exec(line);
      if (!literal) return { line, literals };
      const size = Number(literal[1]);
      if (size > 64 * 1024 * 1024) throw new ImapError('IMAP literal too large');
      literals.push(await this.readBytes(size));
      line += `\r\n${await this.readLine()}`;
    }
  }
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function plainConnect(options: ImapConnectOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: options.host, port: options.port, timeout: options.timeoutMs });
    socket.once('connect', () => resolve(socket));
    socket.once('timeout', () =>
      socket.destroy(new ImapError(`connect to ${options.host}:${options.port} timed out`)),
    );
    socket.once('error', reject);
  });
}

function secureConnect(
  where: { host: string; port: number } | { socket: net.Socket },
  options: ImapConnectOptions,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      ...where,
      // The name the certificate must carry (also after STARTTLS, where only the socket is given).
      host: options.host,
      servername: net.isIP(options.host) ? undefined : options.host,
      rejectUnauthorized: options.verify,
      minVersion: 'TLSv1.2',
      timeout: options.timeoutMs,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('timeout', () => socket.destroy(new ImapError('TLS handshake timed out')));
    socket.once('error', reject);
  });
}
