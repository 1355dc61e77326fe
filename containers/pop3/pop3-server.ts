import net, { type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { MaildropLock } from '../../core/store/maildrop-lock';
import { ConnectionLimiter } from '../net/connection-limiter';
import { normaliseIp } from '../net/ip-match';
import { err } from './responses';
import { Pop3Session } from './session';
import type { Pop3Deps } from './types';

/** A listening POP3 service: plain with STLS (110 style) or implicit TLS (995 style). */
export class Pop3Server {
  private server: Server | null = null;
  private readonly sessions = new Set<Pop3Session>();
  private readonly limiter: ConnectionLimiter;
  private readonly lock: MaildropLock;
  private closing = false;
  private readonly handshakes = new Set<TLSSocket>();

  constructor(private readonly deps: Pop3Deps) {
    const { options } = deps;
    this.limiter = new ConnectionLimiter(options.maxConnections, options.maxConnectionsPerIp);
    this.lock = new MaildropLock(deps.db, {
      nodeId: deps.nodeId,
      leaseSeconds: options.lockLeaseSeconds,
      onError: (error) => deps.log.warn({ err: error }, 'maildrop lock renewal failed'),
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Resolves the bound port (pass 0 for a free one). */
  listen(port: number, host: string): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private accept(socket: Socket): void {
    const remoteAddress = normaliseIp(socket.remoteAddress ?? 'unknown');
    socket.on('error', () => undefined);
    const slot = this.limiter.tryAcquire(remoteAddress);
    if ('refused' in slot) {
      const text =
        slot.refused === 'address' ? 'Too many connections from your address' : 'Too many connections';
      socket.end(err(`${text}, try again later`, 'SYS/TEMP'));
      return;
    }
    if (!this.deps.options.implicitTls) return this.startSession(socket, remoteAddress, slot.release);
    // Implicit TLS: wrap each socket ourselves, so a client without SNI (an IP literal) still gets
    // the certificate, and a renewed certificate is used from the next connection on.
    const secure = new TLSSocket(socket, { isServer: true, secureContext: this.deps.secureContext() });
    const handshake = setTimeout(() => secure.destroy(), this.deps.options.idleTimeoutMs);
    secure.on('error', (error) => {
      this.deps.log.debug({ err: error, remote: remoteAddress }, 'TLS handshake failed');
      secure.destroy();
    });
    this.handshakes.add(secure);
    socket.once('close', () => {
      clearTimeout(handshake);
      this.handshakes.delete(secure);
      slot.release();
    });
    secure.once('secure', () => {
      clearTimeout(handshake);
      this.handshakes.delete(secure);
      this.startSession(secure, remoteAddress, () => undefined);
    });
  }

  private startSession(socket: Socket, remoteAddress: string, release: () => void): void {
    if (this.closing) {
      release();
      socket.end(err('Server shutting down', 'SYS/TEMP'));
      return;
    }
    const id = randomBytes(6).toString('hex');
    const session = new Pop3Session(
      socket,
      remoteAddress,
      this.deps,
      this.lock,
      this.deps.log.child({ session: id, remote: remoteAddress, service: 'pop3' }),
      () => {
        release();
        this.sessions.delete(session);
      },
    );
    this.sessions.add(session);
    session.start();
  }

  /**
   * Stops accepting, tells idle sessions goodbye, lets a command in progress (a RETR, a QUIT's
   * deletions) finish, then ends what is left. Marked deletions are not applied.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    const server = this.server;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const socket of this.handshakes) socket.destroy();
    for (const session of this.sessions) session.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const session of [...this.sessions]) session.close();
    await closed;
  }
}
