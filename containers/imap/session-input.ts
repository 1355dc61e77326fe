/**
 * The input side of one IMAP session: buffers socket data in a CommandReader, runs one command
 * at a time through the command table, decides on announced literals (size limits, APPEND
 * quota, the `+` continuation), routes continuation lines (AUTHENTICATE, IDLE's DONE), pauses
 * the socket when too much is pipelined, and lets NOTIFY speak only between commands.
 */
import { dispatch } from './commands';
import type { ImapConnection } from './connection';
import { checkLiteral, commandTag } from './literal-limits';
import { CommandReader } from './parser/command-reader';
import type { ImapSession } from './session';

export class SessionInput {
  private readonly reader = new CommandReader();
  private busy = false;
  private paused = false;
  private lineHandler: ((line: Buffer) => Promise<void>) | null = null;
  private appendBytes = 0;
  /** A literal of the command being received was accepted: NOTIFY waits until it has run. */
  private literalOpen = false;

  constructor(
    private readonly session: ImapSession,
    private readonly connection: ImapConnection,
  ) {}

  onData(chunk: Buffer): void {
    const s = this.session;
    if (s.closed) return;
    this.reader.push(chunk);
    if (!this.paused && this.reader.buffered > s.options.maxCommandLineLength && this.busy) {
      if (this.reader.pendingLines() > s.options.maxPipelinedCommands) {
        this.paused = true;
        this.connection.pause();
      }
    }
    void this.pump();
  }

  /** Drops buffered input (pipelined input after STARTTLS must not survive the handshake). */
  clear(): void {
    this.reader.clear();
  }

  /** Runs a continuation exchange: the next client line goes to `handler`. */
  expectLine(handler: ((line: Buffer) => Promise<void>) | null): void {
    this.lineHandler = handler;
  }

  async pump(): Promise<void> {
    const s = this.session;
    if (this.busy || s.closed) return;
    this.busy = true;
    try {
      while (!s.closed) {
        if (this.notifyQuiet) await s.notify.deliver();
        const progressed = await this.step();
        if (!progressed) break;
      }
    } catch (error) {
      s.log.error({ err: error }, 'IMAP session failed');
      s.bye('Internal server error');
    } finally {
      this.busy = false;
      s.flush();
    }
    if (this.paused && !s.closed) {
      this.paused = false;
      this.connection.resume();
    }
    // A NOTIFY change that arrived while the loop was finishing.
    if (s.notify.hasWork && !s.closed && this.notifyQuiet) void this.pump();
  }

  /** NOTIFY may send untagged responses: no command runs or is half received (IDLE aside). */
  private get notifyQuiet(): boolean {
    return (this.lineHandler === null || this.session.idling) && !this.literalOpen;
  }

  private async step(): Promise<boolean> {
    const s = this.session;
    if (this.lineHandler) {
      const line = this.reader.readLine(s.options.maxCommandLineLength);
      if (line === null) return false;
      const handler = this.lineHandler;
      if (line === 'too-long') {
        this.lineHandler = null;
        s.send('* BAD Line too long\r\n');
        return true;
      }
      await handler(line);
      s.flush();
      return true;
    }
    const event = this.reader.next(s.options.maxCommandLineLength);
    if (!event) return false;
    s.armTimer();
    if (event.kind === 'too-long') {
      const tag = commandTag(event.prefix.toString('latin1'));
      s.send(`${tag} BAD Command line too long\r\n`);
      s.countError();
      return true;
    }
    if (event.kind === 'literal') {
      await this.decideLiteral(event.prefix, event.size, event.sync);
      s.flush();
      return true;
    }
    await this.runCommand(event.data);
    s.flush();
    return true;
  }

  private async decideLiteral(prefix: Buffer, size: number, sync: boolean): Promise<void> {
    const s = this.session;
    const { tag, append, tooLarge } = checkLiteral(
      prefix,
      size,
      sync,
      s.state !== 'not-authenticated',
      s.options,
    );
    const refuse = (response: string, fatal = false): void => {
      this.appendBytes = 0;
      this.literalOpen = false;
      if (sync) this.reader.reject();
      else this.reader.discard();
      s.send(`${tag} ${response}\r\n`);
      if (fatal) s.bye('Literal too large');
    };
    if (tooLarge) return refuse(tooLarge.response, tooLarge.fatal);
    if (append && s.account) {
      this.appendBytes += size;
      const quota = await s.services.admin.quota(s.account.id);
      if (quota.limit !== null && quota.used + this.appendBytes > quota.limit) {
        return refuse('NO [OVERQUOTA] Quota exceeded (mailbox is full)');
      }
    }
    this.reader.accept();
    this.literalOpen = true;
    if (sync) s.send('+ Ready for literal data\r\n');
  }

  private async runCommand(data: Buffer): Promise<void> {
    this.appendBytes = 0;
    this.literalOpen = false;
    const result = await dispatch(this.session, data);
    if (!result) return; // the handler answered (IDLE, AUTHENTICATE continuation, STARTTLS…)
    this.session.finishCommand(result.tag, result.result);
  }
}
