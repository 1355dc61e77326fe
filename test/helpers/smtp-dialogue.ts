import net from 'node:net';
import tls from 'node:tls';

/**
 * A raw SMTP/POP3 conversation over a real socket, for edge cases a well-behaved client library
 * cannot produce (pipelining garbage, bare LF, over-long lines …).
 */
export class Dialogue {
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
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

  /** `localAddress` picks the client address (e.g. 127.0.0.2: loopback is a whole /8 on Linux). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<Dialogue> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, localAddress }, () => resolve(new Dialogue(socket)));
      socket.once('error', reject);
    });
  }

  /** The same conversation over implicit TLS (465/993/995 style); the certificate is not checked. */
  static connectTls(port: number, host = '127.0.0.1'): Promise<Dialogue> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host, rejectUnauthorized: false }, () =>
        resolve(new Dialogue(socket)),
      );
      socket.once('error', reject);
    });
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Reads one complete SMTP reply (all continuation lines); returns its text. */
  async reply(timeoutMs = 10000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\n/.exec(this.buffer);
      if (match) {
        this.buffer = this.buffer.slice(match[0].length);
        return match[0].replace(/\r\n$/, '');
      }
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer)}`);
      await this.waitForData(deadline);
    }
  }

  /** Reads one line (POP3 status lines). */
  async line(timeoutMs = 10000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.buffer.indexOf('\n');
      if (index >= 0) {
        const line = this.buffer.slice(0, index).replace(/\r$/, '');
        this.buffer = this.buffer.slice(index + 1);
        return line;
      }
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer)}`);
      await this.waitForData(deadline);
    }
  }

  async command(text: string): Promise<string> {
    this.send(`${text}\r\n`);
    return this.reply();
  }

  async waitClosed(timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) await this.waitForData(deadline);
  }

  close(): void {
    this.socket.destroy();
  }

  private waitForData(deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return reject(new Error(`timeout; unread: ${JSON.stringify(this.buffer)}`));
      const timer = setTimeout(
        () => reject(new Error(`timeout; unread: ${JSON.stringify(this.buffer)}`)),
        remaining,
      );
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
