import { randomBytes } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import { ClientListener, type ClientConnection } from '../net/client-listener';
import { ConnectionLimiter } from '../net/connection-limiter';
import { NetworkList } from '../net/ip-match';
import { SmtpSession } from './session';
import { formatReply, reply } from './smtp-reply';
import type { SmtpPolicy, SmtpServerOptions } from './types';

/** A listening SMTP service (MX on 25, submission on 587, or implicit TLS on 465). */
export class SmtpServer {
  private listener: ClientListener | null = null;
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
    this.listener = new ClientListener(
      {
        implicitTls: this.options.implicitTls,
        secureContext: this.secureContext,
        proxyNetworks: this.options.proxyNetworks ?? [],
        log: this.log,
      },
      (connection) => this.accept(connection),
    );
    return this.listener.listen(port, host);
  }

  private accept({ socket, remoteAddress, remotePort, secure }: ClientConnection): void {
    const trusted = this.trusted.contains(remoteAddress);
    // Trusted networks (our own nodes, loopback) are exempt from the per-address limit, as in Postfix.
    const slot = this.limiter.tryAcquire(trusted ? `trusted:${Math.random()}` : remoteAddress);
    if ('refused' in slot) {
      const text =
        slot.refused === 'address'
          ? 'Too many connections from your address'
          : 'Too many connections, try later';
      socket.end(formatReply(reply(421, '4.7.0', text), true));
      return;
    }
    const id = randomBytes(6).toString('hex');
    const session = new SmtpSession(
      socket,
      {
        id,
        remoteAddress,
        remotePort,
        localPort: socket.localPort ?? 0,
        helo: null,
        secure,
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
    const closed = this.listener?.close() ?? Promise.resolve();
    for (const session of this.sessions) session.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const session of this.sessions) session.close();
    await closed;
  }
}
