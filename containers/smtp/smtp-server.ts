import net, { type Server, type Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import { ConnectionLimiter } from '../net/connection-limiter';
import { NetworkList, normaliseIp } from '../net/ip-match';
import { SmtpSession } from './session';
import { formatReply, reply } from './smtp-reply';
import type { SmtpPolicy, SmtpServerOptions } from './types';

/** A listening SMTP service (MX on 25, submission on 587, or implicit TLS on 465). */
export class SmtpServer {
  private server: Server | null = null;
  private readonly sessions = new Set<SmtpSession>();
  private readonly limiter: ConnectionLimiter;
  private readonly trusted: NetworkList;

  constructor(
    private readonly options: SmtpServerOptions,
    private readonly policy: SmtpPolicy,
    private readonly secureContext: () => SecureContext,
    private readonly authThrottle: AuthThrottle,
    private readonly log: Logger,
  ) {
    this.limiter = new ConnectionLimiter(options.limits.maxConnections, options.limits.maxConnectionsPerIp);
    this.trusted = new NetworkList(options.trustedNetworks);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  listen(port: number, host: string): Promise<number> {
    this.server = net.createServer((socket) => {
      if (!this.options.implicitTls) return this.accept(socket);
      // Implicit TLS (465): wrap each socket ourselves so clients without SNI get our certificate too.
      socket.on('error', () => undefined);
      const secure = new TLSSocket(socket, { isServer: true, secureContext: this.secureContext() });
      const timer = setTimeout(() => secure.destroy(), 30_000);
      secure.once('secure', () => {
        clearTimeout(timer);
        this.accept(secure);
      });
      secure.on('error', (error) => {
        clearTimeout(timer);
        this.log.debug({ err: error }, 'TLS handshake failed');
        secure.destroy();
      });
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => {
        const address = this.server!.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private accept(socket: Socket): void {
    const remoteAddress = normaliseIp(socket.remoteAddress ?? 'unknown');
    const trusted = this.trusted.contains(remoteAddress);
    // Trusted networks (our own nodes, loopback) are exempt from the per-address limit, as in Postfix.
    const slot = this.limiter.tryAcquire(trusted ? `trusted:${Math.random()}` : remoteAddress);
    if ('refused' in slot) {
      const text =
        slot.refused === 'address'
          ? 'Too many connections from your address'
          : 'Too many connections, try later';
      socket.end(formatReply(reply(421, '4.7.0', text), true));
      socket.on('error', () => undefined);
      return;
    }
    const id = randomBytes(6).toString('hex');
    const session = new SmtpSession(
      socket,
      {
        id,
        remoteAddress,
        remotePort: socket.remotePort ?? 0,
        localPort: socket.localPort ?? 0,
        helo: null,
        secure: this.options.implicitTls,
        authenticatedAs: null,
        trusted,
      },
      this.options,
      this.policy,
      this.secureContext,
      this.authThrottle,
      this.log.child({ session: id, remote: remoteAddress, service: this.options.name }),
      () => {
        slot.release();
        this.sessions.delete(session);
      },
    );
    this.sessions.add(session);
    session.start();
  }

  /** Stops accepting, lets transactions in progress finish, then ends every session. */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    for (const session of this.sessions) session.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const session of this.sessions) session.close();
    await closed;
  }
}
