/**
 * The IMAP role: a TCP (or implicit-TLS) listener handing each connection to an ImapSession.
 * Connection limits per server and per client address; close() says BYE to every session.
 */
import { randomBytes } from 'node:crypto';
import { ClientListener, type ClientConnection } from '../net/client-listener';
import { ConnectionLimiter } from '../net/connection-limiter';
import { ImapServices } from './services';
import { ImapSession } from './session';
import { DEFAULT_IMAP_OPTIONS, type ImapServerDeps } from './types';

export { DEFAULT_IMAP_OPTIONS } from './types';
export type { ImapServerOptions, ImapServerDeps } from './types';

export class ImapServer {
  private listener: ClientListener | null = null;
  private readonly sessions = new Set<ImapSession>();
  private readonly limiter: ConnectionLimiter;
  private readonly services: ImapServices;

  constructor(private readonly deps: ImapServerDeps) {
    const options = { ...DEFAULT_IMAP_OPTIONS, ...deps.options };
    this.deps = { ...deps, options };
    this.services = new ImapServices(this.deps);
    this.limiter = new ConnectionLimiter(options.maxConnections, options.maxConnectionsPerIp);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const { options } = this.deps;
    this.listener = new ClientListener(
      {
        implicitTls: options.implicitTls,
        secureContext: this.deps.secureContext,
        proxyNetworks: options.proxyNetworks ?? [],
        log: this.deps.log,
      },
      (connection) => this.accept(connection),
    );
    this.listener.server.maxConnections = options.maxConnections + 100;
    return this.listener.listen(port, host);
  }

  private accept({ socket, remoteAddress, secure }: ClientConnection): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    const slot = this.limiter.tryAcquire(remoteAddress);
    if ('refused' in slot) {
      socket.end('* BYE Too many connections, try again later\r\n');
      return;
    }
    const id = randomBytes(6).toString('hex');
    const log = this.deps.log.child({ imap: id, remote: remoteAddress });
    const session = new ImapSession(
      socket,
      { id, remoteAddress, secure },
      this.deps.options,
      this.services,
      log,
      () => {
        this.sessions.delete(session);
        slot.release();
      },
    );
    this.sessions.add(session);
    session.start();
  }

  /** Stops listening, says BYE to every session and waits (briefly) for them to close. */
  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    const closed = listener ? listener.close() : Promise.resolve();
    for (const session of this.sessions) session.shutdown();
    const deadline = Date.now() + 3000;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await closed;
  }
}
