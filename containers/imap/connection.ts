/**
 * The byte stream under an IMAP session: buffered output (written in one piece per flush, waiting
 * for the socket to drain when big responses back it up), the STARTTLS upgrade and
 * COMPRESS=DEFLATE (RFC 4978).
 */
import type { Duplex } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';
import zlib from 'node:zlib';
import type { Chunk } from './format/strings';

const FLUSH_AT = 64 * 1024;

export interface ConnectionEvents {
  /** Bytes from the client (inflated when compression is on). */
  data(chunk: Buffer): void;
  error(error: Error): void;
  /** The socket closed (either side). */
  close(): void;
}

export class ImapConnection {
  private out: Buffer[] = [];
  private outSize = 0;
  private isClosed = false;
  private writeOut: (data: Buffer) => void;
  private deflate: zlib.DeflateRaw | null = null;

  constructor(
    private socket: Duplex,
    private readonly events: ConnectionEvents,
  ) {
    this.writeOut = (data) => {
      if (!this.socket.destroyed) this.socket.write(data);
    };
    this.attach(socket);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(chunks: Chunk[]): void {
    for (const chunk of chunks) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      this.out.push(buf);
      this.outSize += buf.length;
    }
  }

  flush(): void {
    if (this.out.length === 0) return;
    const data = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outSize);
    this.out = [];
    this.outSize = 0;
    if (this.isClosed) return;
    if (this.deflate) {
      this.deflate.write(data);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
    } else {
      this.writeOut(data);
    }
  }

  /** Writes buffered output; waits for the socket to drain when it is backed up. */
  async flushAsync(): Promise<void> {
    this.flush();
    if (this.socket.writableNeedDrain && !this.isClosed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      });
    }
  }

  /** Streams big responses: flushes once enough output has accumulated. */
  async maybeFlush(): Promise<void> {
    if (this.outSize >= FLUSH_AT) await this.flushAsync();
  }

  /** Writes what is buffered, then ends the stream (destroyed if the client does not close). */
  close(): void {
    this.flush();
    this.isClosed = true;
    const end = (): void => {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    };
    if (this.deflate) this.deflate.end(end);
    else end();
  }

  /** Backpressure on input: too many pipelined commands wait. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Continues on TLS over the same socket; `onSecure` runs once the handshake is done. */
  upgradeToTls(secureContext: () => SecureContext, onSecure: () => void): void {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = new TLSSocket(plain as never, {
      isServer: true,
      secureContext: secureContext(),
    });
    this.socket = secure;
    this.writeOut = (data) => {
      if (!secure.destroyed) secure.write(data);
    };
    secure.once('secure', onSecure);
    this.attach(secure);
  }

  /** COMPRESS=DEFLATE: input is inflated, output deflated (sync-flushed per flush()). */
  startDeflate(onError: () => void): void {
    const inflate = zlib.createInflateRaw();
    const deflate = zlib.createDeflateRaw({ level: 6 });
    const socket = this.socket;
    socket.removeAllListeners('data');
    socket.on('data', (chunk: Buffer) => inflate.write(chunk));
    inflate.on('data', (chunk: Buffer) => this.events.data(chunk));
    inflate.on('error', () => onError());
    deflate.on('data', (chunk: Buffer) => {
      if (!socket.destroyed) socket.write(chunk);
    });
    this.deflate = deflate;
  }

  private attach(socket: Duplex): void {
    socket.on('data', (chunk: Buffer) => this.events.data(chunk));
    socket.on('error', (error) => this.events.error(error));
    socket.on('close', () => {
      this.isClosed = true;
      this.events.close();
    });
  }
}
