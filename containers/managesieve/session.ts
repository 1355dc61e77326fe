import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Account } from '../../core/directory/types';
import { CommandReader, type ReadItem } from './command-reader';
import { COMMANDS, type SieveContext } from './commands';
import { capabilityLines } from './capabilities';
import type { Token } from './parser';
import { bye, capabilityResponse, no } from './responses';
import type { ManageSieveDeps, RespCode, SieveState } from './types';

/**
 * One ManageSieve connection (RFC 5804). Commands are handled strictly one at a time, so pipelined
 * commands are answered in order and a slow reader holds back the next command, not memory.
 */
export class ManageSieveSession implements SieveContext {
  state: SieveState = 'unauthenticated';
  account: Account | null = null;
  secure = false;
  private socket: Socket;
  private readonly reader: CommandReader;
  private continuation: ((tokens: Token[]) => Promise<void>) | null = null;
  private handshaking = false;
  private busy = false;
  private closing = false;
  private errors = 0;
  private timer: NodeJS.Timeout | null = null;
  private finished = false;
  private readonly maxPending: number;

  constructor(
    socket: Socket,
    readonly remoteAddress: string,
    readonly deps: ManageSieveDeps,
    readonly log: Logger,
    private readonly onClose: () => void,
  ) {
    this.socket = socket;
    const { maxLineLength, maxLiteralSize } = deps.options;
    this.reader = new CommandReader({ maxLineLength, maxLiteralSize });
    this.maxPending = maxLiteralSize + Math.max(64 * 1024, maxLineLength * 4);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.log.debug({ err: error }, 'socket error'));
    socket.on('close', () => this.finish());
  }

  /** RFC 5804 §1.7: the greeting is the capability response. */
  start(): void {
    this.write(this.capability());
    this.armTimer();
  }

  /** Graceful shutdown: the command in progress finishes, then BYE. */
  shutdown(): void {
    this.closing = true;
    if (this.busy || this.state === 'closed') return;
    this.write(bye('Server shutting down', 'TRYLATER'));
    this.close();
  }

  // SieveContext ------------------------------------------------------------

  authAllowed(): boolean {
    return this.secure || this.deps.options.allowInsecureAuth;
  }

  capability(): string {
    return capabilityResponse(capabilityLines(this));
  }

  async send(data: string): Promise<void> {
    const socket = this.socket;
    if (!socket.writable || socket.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  async error(text: string, code?: RespCode): Promise<void> {
    this.errors++;
    if (this.errors >= this.deps.options.maxErrors) {
      this.write(bye('Too many errors, closing connection'));
      return this.close();
    }
    await this.send(no(text, code));
  }

  expectContinuation(handler: (tokens: Token[]) => Promise<void>): void {
    this.continuation = handler;
  }

  loggedIn(account: Account): void {
    this.account = account;
    this.state = 'authenticated';
    this.errors = 0;
  }

  unauthenticate(): void {
    this.account = null;
    this.state = 'unauthenticated';
  }

  startTls(): void {
    // Whatever was pipelined after STARTTLS arrived in plaintext: drop it (CVE-2011-0411).
    this.reader.clear();
    const plain = this.socket;
    plain.removeAllListeners('data');
    if (plain.isPaused()) plain.resume(); // the handshake must be able to read
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.deps.secureContext() });
    this.socket = secure;
    this.handshaking = true;
    secure.once('secure', () => {
      this.handshaking = false;
      this.secure = true;
      // RFC 5804 §2.2: after the handshake the server re-issues its capabilities.
      this.write(this.capability());
      this.armTimer();
      void this.pump();
    });
    secure.on('data', (chunk: Buffer) => this.onData(chunk));
    secure.on('error', (error) => {
      this.log.debug({ err: error }, 'TLS error');
      secure.destroy();
    });
  }

  logout(): void {
    this.close();
  }

  // Input -------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.reader.push(chunk);
    // A client that pipelines without reading our answers must not fill our memory.
    if (this.reader.pending > this.maxPending) this.socket.pause();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.state !== 'closed' && !this.handshaking) {
        const item = this.reader.next();
        if (item === null) {
          if (this.socket.isPaused()) this.socket.resume();
          break;
        }
        this.armTimer();
        await this.handle(item);
        // Inactivity counts from our last answer, not from a command that took long.
        this.armTimer();
      }
    } finally {
      this.busy = false;
    }
    if (this.closing) this.shutdown();
  }

  private async handle(item: ReadItem): Promise<void> {
    const continuation = this.continuation;
    this.continuation = null;
    if (item.kind === 'error') return this.error(item.message, item.tooLarge ? 'QUOTA/MAXSIZE' : undefined);
    if (continuation) return this.run(() => continuation(item.tokens));
    const [verb, ...args] = item.tokens;
    if (verb.type !== 'atom') return this.error('Expected a command name');
    const name = verb.value.toUpperCase();
    const handler = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!handler) return this.error(`Unknown command ${name.slice(0, 32)}`);
    if (!handler.states.includes(this.state)) return this.error(`${name} is not valid in this state`);
    return this.run(() => handler.run(this, args));
  }

  /** A storage failure answers NO (TRYLATER) and keeps the session. */
  private async run(fn: () => Promise<void> | void): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.log.error({ err: error }, 'command failed');
      await this.send(no('Temporary failure, try again later', 'TRYLATER'));
    }
  }

  // Session end -------------------------------------------------------------

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.state === 'closed') return;
    const { idleTimeoutMs, unauthenticatedTimeoutMs } = this.deps.options;
    this.timer = setTimeout(
      () => {
        this.write(bye('Disconnected for inactivity'));
        this.close();
      },
      this.state === 'authenticated' ? idleTimeoutMs : unauthenticatedTimeoutMs,
    );
    this.timer.unref();
  }

  private write(data: string): void {
    if (this.socket.writable) this.socket.write(data);
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end();
    const socket = this.socket;
    setTimeout(() => socket.destroy(), 5000).unref();
    this.finish();
  }

  private finish(): void {
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    if (this.finished) return;
    this.finished = true;
    this.onClose();
  }
}
