import net from 'node:net';

/** One server response line with the literals it carried (`{n}` placeholders stay in `text`). */
export interface ImapLine {
  text: string;
  literals: string[];
}

/** The answer to one command: the untagged lines before it and the tagged status line. */
export interface ImapReply {
  untagged: ImapLine[];
  status: 'OK' | 'NO' | 'BAD';
  /** The tagged line without the tag, e.g. "OK [APPENDUID 1 5] Append completed." */
  text: string;
}

/**
 * A minimal IMAP client for load: one command at a time, literals parsed by their byte count (so a
 * message body can never be mistaken for a response), latin1 so a byte is a character.
 */
export class ImapLoadClient {
  private buffer = '';
  private lines: ImapLine[] = [];
  private partial: ImapLine | null = null;
  private wake: (() => void) | null = null;
  private closed = false;
  private n = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.parse();
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Connects and returns the client with the greeting line. */
  static async connect(port: number): Promise<{ client: ImapLoadClient; greeting: string }> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new ImapLoadClient(socket);
    const greeting = await client.nextLine();
    return { client, greeting: greeting.text };
  }

  /** Sends `text` (literals as `{n+}` inline) and collects everything up to its tagged reply. */
  async command(text: string): Promise<ImapReply> {
    const tag = `b${++this.n}`;
    this.socket.write(`${tag} ${text}\r\n`);
    const untagged: ImapLine[] = [];
    for (;;) {
      const line = await this.nextLine();
      if (line.text.startsWith(`${tag} `)) {
        const rest = line.text.slice(tag.length + 1);
        const status = rest.split(' ', 1)[0];
        if (status !== 'OK' && status !== 'NO' && status !== 'BAD')
          throw new Error(`bad status line: ${line.text}`);
        return { untagged, status, text: rest };
      }
      untagged.push(line);
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private async nextLine(): Promise<ImapLine> {
    while (this.lines.length === 0) {
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return this.lines.shift()!;
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end < 0) return;
      const piece = this.buffer.slice(0, end);
      const literal = /\{(\d+)\}$/.exec(piece);
      if (literal) {
        const size = Number(literal[1]);
        if (this.buffer.length < end + 2 + size) return; // wait for the whole literal
        const line = this.partial ?? { text: '', literals: [] };
        line.text += piece;
        line.literals.push(this.buffer.slice(end + 2, end + 2 + size));
        this.partial = line;
        this.buffer = this.buffer.slice(end + 2 + size);
        continue;
      }
      const line = this.partial ?? { text: '', literals: [] };
      line.text += piece;
      this.partial = null;
      this.buffer = this.buffer.slice(end + 2);
      this.lines.push(line);
    }
  }
}

/** `{n+}` + text: a non-synchronising literal (LITERAL+, which Nimbus and Dovecot both have). */
export function literal(text: string): string {
  return `{${Buffer.byteLength(text, 'latin1')}+}\r\n${text}`;
}
