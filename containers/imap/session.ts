/**
 * One IMAP connection: reads commands (CommandReader), runs them one at a time through the
 * command table, and keeps the selected mailbox in step with other sessions (sync at the
 * points RFC 9051 §7.5 allows, pushed during IDLE by the Events port).
 */
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import type { Logger } from 'pino';
import type { Account } from '../../core/directory/types';
import type { MailboxChange } from '../../core/ports/events';
import { dispatch } from './commands';
import { CommandReader } from './parser/command-reader';
import { ParseError } from './parser/tokenizer';
import { formatSequenceSet, toBuffer, type Chunk } from './format/strings';
import { SelectedMailbox } from './selected';
import type { ImapServices } from './services';
import type { CommandResult, ImapServerOptions, SessionState } from './types';

export interface SessionInfo {
  id: string;
  remoteAddress: string;
  secure: boolean;
}

const FLUSH_AT = 64 * 1024;
const UNAUTH_LITERAL_LIMIT = 8 * 1024;
const COMMAND_LITERAL_LIMIT = 1024 * 1024;

export class ImapSession {
  state: SessionState = 'not-authenticated';
  account: Account | null = null;
  selected: SelectedMailbox | null = null;
  readonly enabled = new Set<string>();
  compressed = false;
  /** SEARCHRES "$": UIDs saved by the last SEARCH RETURN (SAVE). */
  saved: number[] | null = null;
  /** Commands that may not see EXPUNGE responses while running. */
  private socket: Duplex;
  private readonly reader = new CommandReader();
  private out: Buffer[] = [];
  private outSize = 0;
  private busy = false;
  private closed = false;
  private errors = 0;
  private idle: { tag: string; keepalive: NodeJS.Timeout } | null = null;
  private lineHandler: ((line: Buffer) => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unauthTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private dirty = false;
  private syncing: Promise<void> = Promise.resolve();
  private appendBytes = 0;
  private paused = false;
  private writeOut: (data: Buffer) => void;
  private deflate: zlib.DeflateRaw | null = null;

  constructor(
    socket: Duplex,
    readonly info: SessionInfo,
    readonly options: ImapServerOptions,
    readonly services: ImapServices,
    public log: Logger,
    private readonly onClose: () => void,
  ) {
    this.socket = socket;
    this.writeOut = (data) => {
      if (!this.socket.destroyed) this.socket.write(data);
    };
    this.attach(socket);
  }

  get utf8(): boolean {
    return this.enabled.has('UTF8=ACCEPT');
  }

  get rev2(): boolean {
    return this.enabled.has('IMAP4REV2');
  }

  get condstore(): boolean {
    return this.enabled.has('CONDSTORE');
  }

  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  start(): void {
    this.send(
      `* OK [CAPABILITY ${this.capabilities().join(' ')}] ${this.options.hostname} Nimbus IMAP ready\r\n`,
    );
    this.flush();
    this.unauthTimer = setTimeout(() => {
      if (this.state === 'not-authenticated') this.bye('Autologout: no login in time');
    }, this.options.unauthenticatedTimeoutMs);
    this.unauthTimer.unref?.();
    this.armTimer();
  }

  capabilities(): string[] {
    const caps = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE'];
    const insecure = !this.info.secure && !this.options.allowInsecureAuth;
    if (this.state === 'not-authenticated') {
      if (!this.info.secure) caps.push('STARTTLS');
      if (insecure) caps.push('LOGINDISABLED');
      else caps.push('AUTH=PLAIN');
      return caps;
    }
    caps.push(
      'NAMESPACE',
      'UNSELECT',
      'CHILDREN',
      'UIDPLUS',
      'MOVE',
      'CONDSTORE',
      'QRESYNC',
      'SPECIAL-USE',
      'CREATE-SPECIAL-USE',
      'LIST-EXTENDED',
      'LIST-STATUS',
      'ESEARCH',
      'SEARCHRES',
      'SORT',
      'THREAD=ORDEREDSUBJECT',
      'THREAD=REFERENCES',
      'MULTIAPPEND',
      'BINARY',
      'QUOTA',
      'QUOTA=RES-STORAGE',
      'UTF8=ACCEPT',
      'WITHIN',
      'STATUS=SIZE',
      `APPENDLIMIT=${this.options.maxLiteralSize}`,
    );
    if (!this.compressed) caps.push('COMPRESS=DEFLATE');
    return caps;
  }

  // Output ------------------------------------------------------------------------------------

  send(...chunks: Chunk[]): void {
    for (const chunk of chunks) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      this.out.push(buf);
      this.outSize += buf.length;
    }
  }

  /** Writes buffered output; waits for the socket to drain when it is backed up. */
  async flushAsync(): Promise<void> {
    this.flush();
    if (this.socket.writableNeedDrain && !this.closed) {
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

  flush(): void {
    if (this.out.length === 0) return;
    const data = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outSize);
    this.out = [];
    this.outSize = 0;
    if (this.closed) return;
    if (this.deflate) {
      this.deflate.write(data);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
    } else {
      this.writeOut(data);
    }
  }

  bye(text: string): void {
    if (this.closed) return;
    this.send(`* BYE ${text}\r\n`);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.state = 'logout';
    const end = (): void => {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    };
    if (this.deflate) this.deflate.end(end);
    else end();
  }

  /** Server shutdown: BYE now (an IDLE is interrupted), then close. */
  shutdown(): void {
    this.bye(`${this.options.hostname} Server shutting down`);
  }

  // Input -------------------------------------------------------------------------------------

  private attach(socket: Duplex): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.log.debug({ err: error }, 'socket error'));
    socket.on('close', () => this.finish());
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.reader.push(chunk);
    if (!this.paused && this.reader.buffered > this.options.maxCommandLineLength && this.busy) {
      if (this.reader.pendingLines() > this.options.maxPipelinedCommands) {
        this.paused = true;
        this.socket.pause();
      }
    }
    void this.pump();
  }

  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.unauthTimer) clearTimeout(this.unauthTimer);
    if (this.idle) clearInterval(this.idle.keepalive);
    this.idle = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.closed = true;
    this.state = 'logout';
    this.onClose();
  }

  armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.bye('Autologout; idle for too long'), this.options.idleTimeoutMs);
    this.timer.unref?.();
  }

  private async pump(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      while (!this.closed) {
        const progressed = await this.step();
        if (!progressed) break;
      }
    } catch (error) {
      this.log.error({ err: error }, 'IMAP session failed');
      this.bye('Internal server error');
    } finally {
      this.busy = false;
      this.flush();
    }
    if (this.paused && !this.closed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private async step(): Promise<boolean> {
    if (this.lineHandler) {
      const line = this.reader.readLine(this.options.maxCommandLineLength);
      if (line === null) return false;
      const handler = this.lineHandler;
      if (line === 'too-long') {
        this.lineHandler = null;
        this.send('* BAD Line too long\r\n');
        return true;
      }
      await handler(line);
      this.flush();
      return true;
    }
    const event = this.reader.next(this.options.maxCommandLineLength);
    if (!event) return false;
    this.armTimer();
    if (event.kind === 'too-long') {
      const tag = /^[^\s(){%*"\\]+/.exec(event.prefix.toString('latin1'))?.[0] ?? '*';
      this.send(`${tag} BAD Command line too long\r\n`);
      this.countError();
      return true;
    }
    if (event.kind === 'literal') {
      await this.decideLiteral(event.prefix, event.size, event.sync);
      this.flush();
      return true;
    }
    await this.runCommand(event.data);
    this.flush();
    return true;
  }

  private async decideLiteral(prefix: Buffer, size: number, sync: boolean): Promise<void> {
    const head = prefix.toString('latin1', 0, Math.min(prefix.length, 300));
    const tag = /^[^\s(){%*"\\]+/.exec(head)?.[0] ?? '*';
    const append = /^\S+ (?:UID )?APPEND /i.test(head);
    const refuse = (response: string, fatal = false): void => {
      this.appendBytes = 0;
      if (sync) this.reader.reject();
      else this.reader.discard();
      this.send(`${tag} ${response}\r\n`);
      if (fatal) this.bye('Literal too large');
    };
    const limit =
      this.state === 'not-authenticated'
        ? UNAUTH_LITERAL_LIMIT
        : append
          ? this.options.maxLiteralSize
          : Math.max(COMMAND_LITERAL_LIMIT, this.options.maxCommandLineLength);
    if (size > limit) {
      // A non-synchronising literal this large would have to be read and thrown away.
      const fatal = !sync && size > limit * 4 + 1024 * 1024;
      return refuse(
        append ? `NO [TOOBIG] Message too large (limit ${limit} octets)` : 'BAD Literal too large',
        fatal,
      );
    }
    if (append && this.account) {
      this.appendBytes += size;
      const quota = await this.services.admin.quota(this.account.id);
      if (quota.limit !== null && quota.used + this.appendBytes > quota.limit) {
        return refuse('NO [OVERQUOTA] Quota exceeded (mailbox is full)');
      }
    }
    this.reader.accept();
    if (sync) this.send('+ Ready for literal data\r\n');
  }

  countError(): void {
    this.errors++;
    if (this.errors >= this.options.maxErrors) this.bye('Too many invalid commands');
  }

  private async runCommand(data: Buffer): Promise<void> {
    this.appendBytes = 0;
    const result = await dispatch(this, data);
    if (!result) return; // the handler answered (IDLE, AUTHENTICATE continuation, STARTTLS…)
    this.finishCommand(result.tag, result.result);
  }

  finishCommand(tag: string, result: CommandResult): void {
    if (result.status === 'BAD') this.countError();
    const code = result.code ? `[${result.code}] ` : '';
    this.send(`${tag} ${result.status} ${code}${result.text}\r\n`);
  }

  /** Runs a continuation exchange: the next client line goes to `handler`. */
  expectLine(handler: ((line: Buffer) => Promise<void>) | null): void {
    this.lineHandler = handler;
  }

  // Authentication ----------------------------------------------------------------------------

  async loggedIn(account: Account): Promise<void> {
    this.account = account;
    this.state = 'authenticated';
    if (this.unauthTimer) clearTimeout(this.unauthTimer);
    this.unsubscribe = this.services.deps.events.subscribe(account.id, (change) => this.onChange(change));
    this.log = this.log.child({ account: account.address });
  }

  // TLS and compression -----------------------------------------------------------------------

  startTls(tag: string): void {
    this.reader.clear(); // pipelined input after STARTTLS must not survive the handshake
    this.send(`${tag} OK Begin TLS negotiation now\r\n`);
    this.flush();
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = new TLSSocket(plain as never, {
      isServer: true,
      secureContext: this.services.deps.secureContext(),
    });
    this.socket = secure;
    this.writeOut = (data) => {
      if (!secure.destroyed) secure.write(data);
    };
    secure.once('secure', () => {
      this.info.secure = true;
    });
    this.attach(secure);
  }

  startCompression(tag: string): void {
    this.send(`${tag} OK DEFLATE active\r\n`);
    this.flush();
    this.compressed = true;
    const inflate = zlib.createInflateRaw();
    const deflate = zlib.createDeflateRaw({ level: 6 });
    const socket = this.socket;
    socket.removeAllListeners('data');
    socket.on('data', (chunk: Buffer) => inflate.write(chunk));
    inflate.on('data', (chunk: Buffer) => this.onData(chunk));
    inflate.on('error', () => this.bye('Compression error'));
    deflate.on('data', (chunk: Buffer) => {
      if (!socket.destroyed) socket.write(chunk);
    });
    this.deflate = deflate;
  }

  // Selected mailbox --------------------------------------------------------------------------

  deselect(): void {
    this.selected = null;
    this.state = 'authenticated';
  }

  private onChange(change: MailboxChange): void {
    const selected = this.selected;
    if (!selected || (change.mailboxId !== selected.id && change.kind !== 'mailboxes')) return;
    this.dirty = true;
    if (this.idle) void this.syncIdle();
  }

  private syncIdle(): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      if (!this.idle || this.closed) return;
      try {
        await this.sync(true);
        this.flush();
      } catch (error) {
        this.log.warn({ err: error }, 'IDLE sync failed');
      }
    });
    return this.syncing;
  }

  /**
   * Reports what changed in the selected mailbox since the last report: expunges (only when
   * `allowExpunge`), flag changes, new messages. Returns false when the mailbox disappeared.
   */
  async sync(allowExpunge: boolean): Promise<void> {
    const selected = this.selected;
    if (!selected) return;
    this.dirty = false;
    const changes = await this.services.view.changes(selected.id, selected.modseq, selected.maxUid);
    if (this.selected !== selected) return;
    if (!changes || changes.uidvalidity !== selected.mailbox.uidvalidity) {
      this.bye('Selected mailbox was deleted or renamed away');
      return;
    }
    for (const uid of changes.expunged) if (selected.has(uid)) selected.pendingExpunges.add(uid);
    if (allowExpunge && selected.pendingExpunges.size > 0) this.reportExpunges([...selected.pendingExpunges]);
    for (const change of changes.flags) {
      if (!selected.has(change.uid) || selected.pendingExpunges.has(change.uid)) continue;
      const own = selected.own.get(change.uid);
      if (own !== undefined && own >= change.modseq) continue;
      this.send(`* ${selected.seqOf(change.uid)} FETCH (${this.flagsItem(change.uid, change.flags)}`);
      if (this.qresync || this.condstore) this.send(` UID ${change.uid} MODSEQ (${change.modseq})`);
      this.send(')\r\n');
    }
    selected.own.clear();
    if (changes.added.length > 0) {
      if (!selected.readOnly && !this.rev2) {
        const claim = await this.services.view.claimRecent(selected.id);
        for (const uid of changes.added) if (uid >= claim.from && uid < claim.to) selected.recent.add(uid);
      }
      selected.add(changes.added);
      this.send(`* ${selected.exists} EXISTS\r\n`);
      if (!this.rev2) this.send(`* ${selected.recent.size} RECENT\r\n`);
    }
    selected.modseq = Math.max(selected.modseq, changes.highestmodseq);
  }

  /** EXPUNGE (or VANISHED with QRESYNC) for uids this client still knows. */
  reportExpunges(uids: number[]): void {
    const selected = this.selected;
    if (!selected) return;
    const known = uids.filter((uid) => selected.has(uid)).sort((a, b) => a - b);
    if (known.length === 0) return;
    if (this.qresync) {
      for (const uid of known) selected.remove(uid);
      this.send(`* VANISHED ${formatSequenceSet(known)}\r\n`);
      return;
    }
    // Highest first, so each sequence number is still valid when the client applies it.
    for (let i = known.length - 1; i >= 0; i--) {
      const seq = selected.remove(known[i]);
      if (seq > 0) this.send(`* ${seq} EXPUNGE\r\n`);
    }
  }

  flagsItem(uid: number, flags: string[]): string {
    const list = [...flags];
    if (!this.rev2 && this.selected?.recent.has(uid)) list.push('\\Recent');
    return `FLAGS (${list.join(' ')})`;
  }

  // IDLE --------------------------------------------------------------------------------------

  async startIdle(tag: string): Promise<void> {
    this.send('+ idling\r\n');
    const keepaliveMs = this.options.idleKeepaliveMs ?? 120_000;
    const keepalive = setInterval(() => {
      this.send('* OK Still here\r\n');
      this.flush();
    }, keepaliveMs);
    keepalive.unref?.();
    this.idle = { tag, keepalive };
    if (this.selected) {
      await this.sync(true);
    }
    this.expectLine(async (line) => {
      const idle = this.idle;
      this.expectLine(null);
      if (idle) clearInterval(idle.keepalive);
      this.idle = null;
      await this.syncing;
      this.armTimer();
      if (line.toString('latin1').trim().toUpperCase() !== 'DONE') {
        this.finishCommand(tag, { status: 'BAD', text: 'Expected DONE' });
        return;
      }
      if (this.selected) await this.sync(true);
      this.finishCommand(tag, { status: 'OK', text: 'IDLE terminated' });
    });
  }

  /** True if this session holds changes not yet looked at (for tests and diagnostics). */
  get hasPendingChanges(): boolean {
    return this.dirty;
  }

  toBuffer(chunks: Chunk[]): Buffer {
    return toBuffer(chunks);
  }
}

export { ParseError };
