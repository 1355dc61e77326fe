import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { ClientListener, type ClientConnection } from '../net/client-listener';
import { ConnectionLimiter } from '../net/connection-limiter';
import { bye } from './responses';
import { ManageSieveSession } from './session';
import type { ManageSieveDeps } from './types';

/** A listening ManageSieve service (RFC 5804, port 4190): plaintext with STARTTLS. */
export class ManageSieveServer {
  private listener: ClientListener | null = null;
  private readonly sessions = new Set<ManageSieveSession>();
  private readonly limiter: ConnectionLimiter;
  private closing = false;

  constructor(private readonly deps: ManageSieveDeps) {
    this.limiter = new ConnectionLimiter(deps.options.maxConnections, deps.options.maxConnectionsPerIp);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Resolves the bound port (pass 0 for a free one). */
  listen(port: number, host: string): Promise<number> {
    this.listener = new ClientListener(
      {
        implicitTls: false,
        secureContext: this.deps.secureContext,
        proxyNetworks: this.deps.options.proxyNetworks ?? [],
        handshakeTimeoutMs: this.deps.options.unauthenticatedTimeoutMs,
        log: this.deps.log,
      },
      (connection) => this.accept(connection),
    );
    return this.listener.listen(port, host);
  }

  private accept({ socket, remoteAddress }: ClientConnection): void {
    const slot = this.limiter.tryAcquire(remoteAddress);
    if ('refused' in slot) {
      const text =
        slot.refused === 'address' ? 'Too many connections from your address' : 'Too many connections';
      socket.end(bye(`${text}, try again later`, 'TRYLATER'));
      return;
    }
    this.startSession(socket, remoteAddress, slot.release);
  }

  private startSession(socket: Socket, remoteAddress: string, release: () => void): void {
    if (this.closing) {
      release();
      socket.end(bye('Server shutting down', 'TRYLATER'));
      return;
    }
    const id = randomBytes(6).toString('hex');
    const session = new ManageSieveSession(
      socket,
      remoteAddress,
      this.deps,
      this.deps.log.child({ session: id, remote: remoteAddress, service: 'managesieve' }),
      () => {
        release();
        this.sessions.delete(session);
      },
    );
    this.sessions.add(session);
    session.start();
  }

  /** Stops accepting, lets a command in progress finish, says BYE, then ends what is left. */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    const closed = this.listener?.close() ?? Promise.resolve();
    for (const session of this.sessions) session.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const session of [...this.sessions]) session.close();
    await closed;
  }
}
