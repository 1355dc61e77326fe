import net, { type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { NetworkList, normaliseIp } from './ip-match';
import { readProxyHeader } from './proxy-protocol';

export interface ClientConnection {
  socket: Socket;
  /** The real client: from the PROXY header when a trusted proxy (the load balancer) sent one. */
  remoteAddress: string;
  remotePort: number;
  secure: boolean;
}

export interface ListenerOptions {
  implicitTls: boolean;
  secureContext: () => SecureContext;
  /** Networks whose connections start with a PROXY v1/v2 header (the NLB, HAProxy). */
  proxyNetworks: readonly string[];
  handshakeTimeoutMs?: number;
  log: Logger;
}

/**
 * Accepts TCP connections for SMTP, IMAP and POP3 alike: reads the PROXY header from trusted
 * proxies only (anyone else sending one is just talking garbage to the protocol), then wraps
 * implicit-TLS ports per socket so clients that send no SNI (an IP literal) still get our
 * certificate, and a renewed certificate applies from the next connection on.
 */
export class ClientListener {
  readonly server: net.Server;
  private readonly proxies: NetworkList;
  private readonly pending = new Set<Socket>();

  constructor(
    private readonly options: ListenerOptions,
    private readonly onClient: (connection: ClientConnection) => void,
  ) {
    this.proxies = new NetworkList(options.proxyNetworks);
    this.server = net.createServer((socket) => void this.handle(socket));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        // A server error after listening (accept failing) must be logged, not an uncaught exception.
        this.server.on('error', (error) => this.options.log.error({ err: error }, 'mail listener error'));
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Stops listening and drops connections still in their PROXY/TLS handshake. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.pending) socket.destroy();
    return closed;
  }

  private async handle(socket: Socket): Promise<void> {
    socket.on('error', (error) => this.options.log.debug({ err: error }, 'client socket error'));
    // Replies to pipelined commands are small writes: with Nagle on, the second waits for the ACK
    // of the first, which the client delays by up to 40 ms (measured: 43 ms per SMTP transaction).
    socket.setNoDelay(true);
    let remoteAddress = normaliseIp(socket.remoteAddress ?? 'unknown');
    let remotePort = socket.remotePort ?? 0;
    const timeout = this.options.handshakeTimeoutMs ?? 30_000;
    this.pending.add(socket);
    try {
      let leftover: Buffer | null = null;
      if (this.proxies.contains(remoteAddress)) {
        const info = await readProxyHeader(socket, Math.min(timeout, 10_000));
        leftover = info.leftover;
        if (info.source) {
          remoteAddress = normaliseIp(info.source.address);
          remotePort = info.source.port;
        }
      }
      if (!this.options.implicitTls) {
        this.pending.delete(socket);
        this.onClient({ socket, remoteAddress, remotePort, secure: false });
        if (leftover) socket.unshift(leftover);
        socket.resume();
        return;
      }
      const secure = await this.handshake(socket, leftover, timeout);
      this.pending.delete(socket);
      this.onClient({ socket: secure, remoteAddress, remotePort, secure: true });
    } catch (error) {
      this.pending.delete(socket);
      this.options.log.debug({ err: error, remote: remoteAddress }, 'connection dropped before the protocol');
      socket.destroy();
    }
  }

  private handshake(socket: Socket, leftover: Buffer | null, timeoutMs: number): Promise<TLSSocket> {
    // Bytes already read past the PROXY header must reach the TLS layer: feed them through a stream.
    const transport = leftover ? prepend(socket, leftover) : socket;
    const secure = new TLSSocket(transport as Socket, {
      isServer: true,
      secureContext: this.options.secureContext(),
    });
    // A listener for the socket's whole life, not `once`: an 'error' with no listener is an
    // uncaught exception, and one may come after the handshake failed or before the session
    // has attached its own.
    const log = this.options.log;
    secure.on('error', (error) => log.debug({ err: error }, 'TLS socket error'));
    if (!leftover) socket.resume();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('TLS handshake timeout')), timeoutMs);
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      const onClose = () => onError(new Error('closed during the TLS handshake'));
      secure.once('error', onError);
      secure.once('close', onClose);
      secure.once('secure', () => {
        clearTimeout(timer);
        secure.off('error', onError);
        secure.off('close', onClose);
        resolve(secure);
      });
    });
  }
}

/** A duplex over `socket` whose readable side starts with `first`. */
function prepend(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  // Its errors are the socket's, which are handled (and logged) there.
  duplex.on('error', () => undefined);
  duplex.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  return duplex;
}
