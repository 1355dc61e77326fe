import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { MaildropLock } from '../../core/store/maildrop-lock';
import { ConnectionLimiter } from '../net/connection-limiter';
import { ClientListener, type ClientConnection } from '../net/client-listener';
import { err } from './responses';
import { Pop3Session } from './session';
import type { Pop3Deps } from './types';

/** A listening POP3 service: plain with STLS (110 style) or implicit TLS (995 style). */
export class Pop3Server {
  private listener: ClientListener | null = null;
  private readonly sessions = new Set<Pop3Session>();
  private readonly limiter: ConnectionLimiter;
  private readonly lock: MaildropLock;
  private closing = false;

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
    this.listener = new ClientListener(
      {
        implicitTls: this.deps.options.implicitTls,
        secureContext: this.deps.secureContext,
        proxyNetworks: this.deps.options.proxyNetworks ?? [],
        handshakeTimeoutMs: this.deps.options.idleTimeoutMs,
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
      socket.end(err(`${text}, try again later`, 'SYS/TEMP'));
      return;
    }
    this.startSession(socket, remoteAddress, slot.release);
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
    const closed = this.listener?.close() ?? Promise.resolve();
    for (const session of this.sessions) session.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const session of [...this.sessions]) session.close();
    await closed;
  }
}
