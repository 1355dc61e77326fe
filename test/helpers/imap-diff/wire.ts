/**
 * A minimal IMAP client for the differential test: it sends commands byte-for-byte as the script
 * wrote them (waiting for "+" before each synchronising literal) and splits what comes back into
 * whole responses, each a line plus its literals, so nothing is interpreted before normalising.
 */
import net from 'node:net';

/** One server response: the text with literals inlined (`{n}\r\n` + n bytes), without the final CRLF. */
export type RawResponse = string;

export class WireClient {
  private buffer = Buffer.alloc(0);
  private readonly responses: RawResponse[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.split();
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  static async connect(port: number): Promise<WireClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new WireClient(socket);
  }

  get closed(): boolean {
    return this.ended;
  }

  write(data: string | Buffer): void {
    if (!this.ended) this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Removes and returns every complete response received so far. */
  drain(): RawResponse[] {
    return this.responses.splice(0);
  }

  /** Whether a received (not yet drained) response satisfies `done`. */
  has(done: (r: RawResponse) => boolean): boolean {
    return this.responses.some(done);
  }

  /** Forgets the "+" continuations of literals already sent (transport, not data). */
  dropContinuations(): void {
    const kept = this.responses.filter((r) => !r.startsWith('+'));
    this.responses.splice(0, this.responses.length, ...kept);
  }

  /** Waits until a received (not yet drained) response satisfies `done`; false on timeout/close. */
  async waitFor(done: (r: RawResponse) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.responses.some(done)) return true;
      const left = deadline - Date.now();
      if (this.ended || left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Cuts complete responses off the buffer: a line, and if it ends in {n}/~{n}, n bytes and more. */
  private split(): void {
    let pos = 0;
    for (;;) {
      const end = this.responseEnd(pos);
      if (end < 0) break;
      this.responses.push(this.buffer.subarray(pos, end - 2).toString('latin1'));
      pos = end;
    }
    if (pos > 0) this.buffer = this.buffer.subarray(pos);
  }

  private responseEnd(start: number): number {
    let pos = start;
    for (;;) {
      const eol = this.buffer.indexOf('\r\n', pos);
      if (eol < 0) return -1;
      const m = /\{(\d+)\+?\}$/.exec(this.buffer.subarray(pos, eol).toString('latin1'));
      if (!m) return eol + 2;
      const next = eol + 2 + Number(m[1]);
      if (next > this.buffer.length) return -1;
      pos = next;
    }
  }
}

/**
 * Splits a command at its synchronising literals: each piece but the last ends with `{n}\r\n`
 * and the client must wait for "+" before sending the next. Literal contents are skipped, so
 * text inside them is never mistaken for a marker.
 */
export function splitAtSyncLiterals(command: string): string[] {
  const pieces: string[] = [];
  const marker = /~?\{(\d+)(\+?)\}\r\n/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = marker.exec(command))) {
    const afterMarker = m.index + m[0].length;
    if (m[2] !== '+') {
      pieces.push(command.slice(start, afterMarker));
      start = afterMarker;
    }
    marker.lastIndex = afterMarker + Number(m[1]);
  }
  pieces.push(command.slice(start));
  return pieces;
}
