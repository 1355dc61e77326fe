import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Account } from '../../core/directory/types';
import type { MaildropLease, MaildropLock } from '../../core/store/maildrop-lock';
import { parseCommand } from './command-parser';
import { COMMANDS, type Pop3Context } from './commands';
import { LineReader } from './line-reader';
import { Maildrop } from './maildrop';
import { err, ok } from './responses';
import type { Pop3Deps, Pop3State, RespCode } from './types';

/**
 * One POP3 connection (RFC 1939). Lines are handled strictly one at a time, so pipelined commands
 * (RFC 2449) are answered in order and a slow reader holds back the next command, not memory.
 */
export class Pop3Session implements Pop3Context {
  state: Pop3State = 'authorization';
  maildrop: Maildrop | null = null;
  pendingUser: string | null = null;
  secure: boolean;
  private socket: Socket;
  private readonly reader: LineReader;
  private continuation: ((line: string) => Promise<void>) | null = null;
  private lease: MaildropLease | null = null;
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
    readonly deps: Pop3Deps,
    private readonly lock: MaildropLock,
    readonly log: Logger,
    private readonly onClose: () => void,
  ) {
    this.socket = socket;
    this.secure = deps.options.implicitTls;
    this.reader = new LineReader(deps.options.maxCommandLineLength);
    this.maxPending = Math.max(64 * 1024, deps.options.maxCommandLineLength * 16);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.log.debug({ err: error }, 'socket error'));
    socket.on('close', () => this.finish());
  }

  start(): void {
    this.write(ok(`${this.deps.options.hostname} POP3 server ready`));
    this.armTimer();
  }

  /** Graceful shutdown: the command in progress finishes; deletions are not applied (only QUIT does that). */
  shutdown(): void {
    this.closing = true;
    if (this.busy || this.state === 'closed' || this.state === 'update') return;
    this.write(err('Server shutting down', 'SYS/TEMP'));
    this.close();
  }

  // Pop3Context -------------------------------------------------------------

  authAllowed(): boolean {
    return this.secure || this.deps.options.allowInsecureAuth;
  }

  async send(data: string | Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket.writable || socket.write(data)) return;
    // Back-pressure: wait until the client has read, or gone.
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', onDrain);
        socket.off('close', done);
        resolve();
      };
      const onDrain = () => {
        this.armTimer();
        done();
      };
      socket.on('drain', onDrain);
      socket.on('close', done);
    });
  }

  error(text: string, code?: RespCode): void {
    this.write(err(text, code));
    this.errors++;
    if (this.errors >= this.deps.options.maxErrors && this.state !== 'closed') {
      this.write(err('Too many errors, closing connection'));
      this.close();
    }
  }

  expectContinuation(handler: (line: string) => Promise<void>): void {
    this.continuation = handler;
  }

  async openMaildrop(account: Account): Promise<void> {
    const lease = await this.lock.acquire(account.id);
    if (!lease) {
      this.log.info({ user: account.address }, 'maildrop in use');
      return this.error('Mailbox locked by another session', 'IN-USE');
    }
    let maildrop: Maildrop;
    try {
      const inbox = await this.deps.store.getMailbox(account.id, 'INBOX');
      if (!inbox) {
        await lease.release();
        return this.error('No INBOX for this account', 'SYS/PERM');
      }
      // Numbers are fixed from here on: later deliveries show up in the next session.
      const messages = await this.deps.store.listMessages(inbox.id);
      maildrop = new Maildrop(account.id, inbox.id, inbox.uidvalidity, messages);
    } catch (error) {
      await lease.release().catch(() => undefined);
      throw error;
    }
    if (this.state === 'closed') return lease.release();
    this.lease = lease;
    this.maildrop = maildrop;
    this.state = 'transaction';
    const { count, size } = maildrop.stat();
    await this.send(ok(`${account.address} has ${count} messages (${size} octets)`));
  }

  startTls(): void {
    // Whatever was pipelined after STLS arrived in plaintext: drop it (RFC 2595 §4, CVE-2011-0411).
    this.reader.clear();
    this.write(ok('Begin TLS negotiation'));
    const plain = this.socket;
    plain.removeAllListeners('data');
    if (plain.isPaused()) plain.resume(); // the handshake must be able to read
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.deps.secureContext() });
    this.socket = secure;
    this.handshaking = true;
    secure.once('secure', () => {
      this.handshaking = false;
      this.secure = true;
      this.pendingUser = null;
      this.armTimer();
      void this.pump();
    });
    secure.on('data', (chunk: Buffer) => this.onData(chunk));
    secure.on('error', (error) => {
      this.log.debug({ err: error }, 'TLS error');
      secure.destroy();
    });
  }

  async quit(): Promise<void> {
    if (this.state === 'authorization') {
      this.write(ok(`${this.deps.options.hostname} POP3 server signing off`));
      return this.close();
    }
    this.state = 'update';
    const reply = await this.applyDeletions();
    await this.releaseLease();
    this.write(reply);
    this.close();
  }

  // Input -------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.reader.push(chunk);
    // A client that pipelines without reading our answers must not fill our memory: stop reading
    // until the commands already received are handled.
    if (this.reader.pending > this.maxPending) this.socket.pause();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.state !== 'closed' && this.state !== 'update' && !this.handshaking) {
        const line = this.reader.next();
        if (line === null) {
          if (this.socket.isPaused()) this.socket.resume();
          break;
        }
        this.armTimer();
        await this.handleLine(line);
        // Inactivity counts from our last answer, not from a command that took long (scrypt, storage).
        this.armTimer();
      }
    } finally {
      this.busy = false;
    }
    if (this.closing) this.shutdown();
  }

  private async handleLine(line: Buffer | 'too-long'): Promise<void> {
    if (line === 'too-long') {
      this.continuation = null;
      return this.error('Line too long');
    }
    const continuation = this.continuation;
    if (continuation) {
      this.continuation = null;
      return this.run(() => continuation(line.toString('utf8')));
    }
    const parsed = parseCommand(line);
    if (!parsed.ok) return this.error(parsed.reason);
    const { command } = parsed;
    const handler = Object.hasOwn(COMMANDS, command.verb) ? COMMANDS[command.verb] : undefined;
    if (!handler) return this.error('Unknown command');
    if (!handler.states.includes(this.state)) return this.error(`${command.verb} not valid in this state`);
    return this.run(() => handler.run(this, command));
  }

  /** A storage failure answers [SYS/TEMP] and keeps the session: the client may retry or QUIT. */
  private async run(fn: () => Promise<void> | void): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.log.error({ err: error }, 'command failed');
      this.error('Temporary failure, try again later', 'SYS/TEMP');
    }
  }

  // Session end -------------------------------------------------------------

  /** UPDATE state (RFC 1939 §6): remove what DELE marked, only while the lock is still ours. */
  private async applyDeletions(): Promise<string> {
    const maildrop = this.maildrop!;
    const uids = maildrop.deletedUids();
    const left = maildrop.stat().count;
    const bye = `${this.deps.options.hostname} POP3 server signing off (${left} messages left)`;
    if (uids.length === 0) return ok(bye);
    try {
      if (!(await this.lease!.renew())) {
        this.log.warn({ accountId: maildrop.accountId }, 'maildrop lock lost before QUIT; nothing deleted');
        return err('Maildrop lock lost, no messages deleted', 'SYS/TEMP');
      }
      await this.deps.store.expunge(maildrop.accountId, maildrop.mailboxId, uids);
      this.log.info({ accountId: maildrop.accountId, deleted: uids.length }, 'messages deleted');
      return ok(bye);
    } catch (error) {
      this.log.error({ err: error }, 'deleting messages failed');
      return err('Some deleted messages not removed', 'SYS/TEMP');
    }
  }

  private async releaseLease(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    await lease?.release().catch((error) => this.log.warn({ err: error }, 'maildrop unlock failed'));
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.state === 'closed') return;
    this.timer = setTimeout(() => {
      // RFC 1939 §3 autologout: no UPDATE state, nothing deleted.
      this.write(err('Disconnected for inactivity'));
      this.close();
    }, this.deps.options.idleTimeoutMs);
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
    // A client that hangs up after QUIT does not interrupt UPDATE; quit() unlocks when it is done.
    const updating = this.state === 'update';
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    if (this.finished) return;
    this.finished = true;
    // A dropped connection never reaches UPDATE: marks are forgotten, the lock is given back.
    if (!updating) void this.releaseLease();
    this.onClose();
  }
}
