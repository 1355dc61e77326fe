/**
 * A raw client connection as a load balancer delivers it: optionally a PROXY header first, then
 * the protocol in plain text, after STARTTLS/STLS, or in TLS from the start. Line-oriented
 * helpers for SMTP, IMAP and POP3 conversations (client libraries cannot send a PROXY header).
 */
import net from 'node:net';
import tls from 'node:tls';

export class Wire {
  private buffer = '';
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  static async open(options: {
    host: string;
    port: number;
    proxyHeader?: Buffer;
    implicitTls?: boolean;
  }): Promise<Wire> {
    const raw = await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host: options.host, port: options.port }, () => resolve(socket));
      socket.once('error', reject);
    });
    if (options.proxyHeader) raw.write(options.proxyHeader);
    if (!options.implicitTls) return new Wire(raw);
    return new Wire(await upgrade(raw));
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
  }

  /** Reads up to and including the first match of `pattern` (which should end with \n). */
  async read(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.buffer);
      if (match) {
        const end = match.index + match[0].length;
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return text;
      }
      if (this.closed) throw new Error(`closed; unread ${JSON.stringify(this.buffer)}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`timeout waiting for ${pattern}; unread ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(text: string): void {
    this.socket.write(text, 'latin1');
  }

  async command(line: string, reply: RegExp): Promise<string> {
    this.send(`${line}\r\n`);
    return this.read(reply);
  }

  /** STARTTLS/STLS: the rest of the conversation in TLS (our test certificate is self-signed). */
  async startTls(): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket = await upgrade(this.socket);
    this.buffer = '';
    this.attach(this.socket);
  }

  close(): void {
    this.socket.destroy();
  }
}

function upgrade(socket: net.Socket): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket, rejectUnauthorized: false, servername: 'mail.test' }, () =>
      resolve(secure),
    );
    secure.once('error', reject);
  });
}

/** One SMTP reply: continuation lines, then the final "NNN " line. */
export const SMTP_REPLY = /(?:^|\n)\d{3} [^\n]*\n/;

export async function smtpSend(
  wire: Wire,
  message: {
    from: string;
    to: string;
    subject: string;
    starttls?: boolean;
    auth?: { user: string; password: string };
  },
): Promise<string> {
  const expect = async (line: string | null, code: RegExp) => {
    const reply = line === null ? await wire.read(SMTP_REPLY) : await wire.command(line, SMTP_REPLY);
    if (!code.test(reply.split('\n').filter(Boolean).pop() ?? '')) throw new Error(`${line}: ${reply}`);
    return reply;
  };
  await expect(null, /^220 /);
  await expect('EHLO [203.0.113.7]', /^250 /);
  if (message.starttls) {
    await expect('STARTTLS', /^220 /);
    await wire.startTls();
    await expect('EHLO [203.0.113.7]', /^250 /);
  }
  if (message.auth) {
    const token = Buffer.from(`\0${message.auth.user}\0${message.auth.password}`).toString('base64');
    await expect(`AUTH PLAIN ${token}`, /^235 /);
  }
  await expect(`MAIL FROM:<${message.from}>`, /^250 /);
  await expect(`RCPT TO:<${message.to}>`, /^25[01] /);
  await expect('DATA', /^354 /);
  const reply = await expect(
    `From: <${message.from}>\r\nTo: <${message.to}>\r\nSubject: ${message.subject}\r\nMessage-ID: <${message.subject}@boot.test>\r\n\r\nsent through the load balancer\r\n.`,
    /^250 /,
  );
  await wire.command('QUIT', SMTP_REPLY).catch(() => undefined);
  wire.close();
  return reply;
}

/** Logs in over IMAP (after STARTTLS unless already in TLS) and returns the INBOX subjects. */
export async function imapSubjects(
  wire: Wire,
  login: { user: string; password: string; starttls: boolean },
): Promise<string[]> {
  const tagged = (tag: string) => new RegExp(`(?:^|\\n)${tag} (OK|NO|BAD)[^\\n]*\\n`);
  const run = async (tag: string, command: string) => {
    const reply = await wire.command(`${tag} ${command}`, tagged(tag));
    if (!new RegExp(`(?:^|\\n)${tag} OK`).test(reply)) throw new Error(`${command}: ${reply}`);
    return reply;
  };
  await wire.read(/^\* OK[^\n]*\n/);
  if (login.starttls) {
    await run('a1', 'STARTTLS');
    await wire.startTls();
  }
  await run('a2', `LOGIN "${login.user}" "${login.password}"`);
  await run('a3', 'SELECT INBOX');
  const fetched = await run('a4', 'FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
  await wire.command('a5 LOGOUT', tagged('a5')).catch(() => undefined);
  wire.close();
  return [...fetched.matchAll(/Subject: ([^\r\n]+)/gi)].map((m) => m[1]);
}

/** Logs in over POP3 (after STLS unless already in TLS) and returns the message count. */
export async function pop3Count(
  wire: Wire,
  login: { user: string; password: string; stls: boolean },
): Promise<number> {
  const ok = async (line: string | null) => {
    const reply = line === null ? await wire.read(/^[^\n]*\n/) : await wire.command(line, /^[^\n]*\n/);
    if (!reply.startsWith('+OK')) throw new Error(`${line}: ${reply}`);
    return reply;
  };
  await ok(null);
  if (login.stls) {
    await ok('STLS');
    await wire.startTls();
  }
  await ok(`USER ${login.user}`);
  await ok(`PASS ${login.password}`);
  const stat = await ok('STAT');
  await wire.command('QUIT', /^[^\n]*\n/).catch(() => undefined);
  wire.close();
  return Number(stat.split(' ')[1]);
}
