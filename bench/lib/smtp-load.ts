import net from 'node:net';

/** A minimal pipelining SMTP client for load: MAIL+RCPT+DATA in one write, then the message. */
export class SmtpLoadClient {
  private buffer = '';
  private waiting: ((line: string) => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (text: string) => {
      this.buffer += text;
      this.drain();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<SmtpLoadClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new SmtpLoadClient(socket);
    await client.expect('220');
    client.socket.write('EHLO bench.test\r\n');
    await client.expect('250');
    return client;
  }

  /** Sends one message; resolves with the queue id once the server says 250. */
  async send(from: string, to: string, message: string): Promise<void> {
    this.socket.write(`MAIL FROM:<${from}>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
    await this.expect('250');
    await this.expect('250');
    await this.expect('354');
    this.socket.write(message.endsWith('\r\n') ? `${message}.\r\n` : `${message}\r\n.\r\n`);
    await this.expect('250');
  }

  async quit(): Promise<void> {
    this.socket.end('QUIT\r\n');
  }

  private async expect(code: string): Promise<string> {
    const line = await new Promise<string>((resolve) => {
      this.waiting = resolve;
      this.drain();
    });
    if (!line.startsWith(code)) throw new Error(`expected ${code}, got ${line}`);
    return line;
  }

  private drain(): void {
    if (!this.waiting) return;
    for (;;) {
      const index = this.buffer.indexOf('\n');
      if (index < 0) return;
      const line = this.buffer.slice(0, index);
      this.buffer = this.buffer.slice(index + 1);
      if (line[3] === '-') continue;
      const waiting = this.waiting;
      this.waiting = null;
      waiting(line);
      return;
    }
  }
}
