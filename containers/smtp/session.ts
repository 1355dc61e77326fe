import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import { decodeUtf8Strict } from '../../core/util/utf8';
import { SmtpAuthDialogue } from './auth-dialogue';
import { parseCommandLine } from './command-parser';
import { InputBuffer } from './input-buffer';
import { handleMail, handleRcpt } from './envelope-commands';
import { helloReply, helloSyntaxError } from './hello-reply';
import { SmtpMessageCommands } from './message-commands';
import { formatReply, reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SessionInfo, SmtpPolicy, SmtpServerOptions } from './types';

type Mode = 'command' | 'data' | 'bdat' | 'auth' | 'closed';

/**
 * One SMTP session (RFC 5321 + ESMTP). Commands are read one at a time from the input buffer, so
 * pipelined commands are answered in order; handlers that touch storage run to completion before
 * the next command is read. DATA, BDAT and BURL are message-commands.ts; AUTH is auth-dialogue.ts.
 */
export class SmtpSession {
  readonly info: SessionInfo;
  private socket: Socket;
  private readonly input = new InputBuffer();
  private mode: Mode = 'command';
  private busy = false;
  private greeted = false;
  private ehlo = false;
  envelope: Envelope | null = null;
  private readonly message: SmtpMessageCommands;
  private readonly authDialogue: SmtpAuthDialogue;
  private errors = 0;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    socket: Socket,
    info: SessionInfo,
    readonly options: SmtpServerOptions,
    readonly policy: SmtpPolicy,
    private readonly secureContext: () => SecureContext,
    authThrottle: AuthThrottle,
    readonly log: Logger,
    private readonly onClose: () => void,
  ) {
    this.socket = socket;
    this.info = info;
    this.message = new SmtpMessageCommands({
      info,
      options,
      policy,
      log,
      envelope: () => this.envelope,
      esmtp: () => this.ehlo,
      setMode: (mode) => {
        this.mode = mode;
      },
      armTimer: () => this.armTimer(),
      resetTransaction: () => this.resetTransaction(),
      respond: (r) => this.respond(r),
      writeReply: (r) => this.writeReply(r),
      error: (r) => this.error(r),
      close: () => this.close(),
    });
    this.authDialogue = new SmtpAuthDialogue({
      info,
      options,
      policy,
      log,
      throttle: authThrottle,
      helloDone: () => this.helloDone(),
      inTransaction: () => this.envelope !== null,
      setMode: (mode) => {
        this.mode = mode;
      },
      respond: (r) => this.respond(r),
      writeReply: (r) => this.writeReply(r),
      error: (r) => this.error(r),
    });
    this.attach(socket);
  }

  start(): void {
    // Security policy at connect (DNSBL, connection rate): a reply refuses the client.
    if (!this.policy.checkConnection) return this.startGreeting();
    this.policy.checkConnection(this.info).then(
      (refusal) => {
        if (this.mode === 'closed') return;
        if (!refusal) return this.startGreeting();
        this.writeReply(refusal);
        this.close();
      },
      (error: unknown) => {
        this.log.warn({ err: error }, 'connection check failed');
        this.startGreeting();
      },
    );
  }

  private startGreeting(): void {
    const pause = this.info.trusted ? 0 : this.options.pregreetMs;
    if (pause <= 0) return this.greet();
    setTimeout(() => {
      if (this.mode === 'closed') return;
      if (this.input.length > 0) {
        this.log.info('early talker rejected');
        this.writeReply(reply(554, '5.5.1', 'Protocol error: you talked before my greeting'));
        return this.close();
      }
      this.greet();
    }, pause);
  }

  /** Graceful shutdown: finish the command in progress, then say goodbye. */
  shutdown(): void {
    this.closing = true;
    if (!this.busy && this.mode === 'command') {
      this.writeReply(reply(421, '4.3.2', `${this.options.hostname} Service shutting down, try again later`));
      this.close();
    }
  }

  private greet(): void {
    this.greeted = true;
    this.writeReply(reply(220, undefined, `${this.options.hostname} ESMTP Nimbus`));
    this.armTimer();
    this.pump();
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.input.push(chunk);
      if (this.greeted) this.pump();
    });
    socket.on('error', (error) => this.log.debug({ err: error }, 'socket error'));
    socket.on('close', () => this.finish());
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    const ms =
      this.mode === 'data' || this.mode === 'bdat'
        ? this.options.limits.dataTimeoutMs
        : this.options.limits.idleTimeoutMs;
    this.timer = setTimeout(() => {
      this.writeReply(reply(421, '4.4.2', `${this.options.hostname} Error: timeout exceeded`));
      this.close();
    }, ms);
  }

  private isClosed(): boolean {
    return this.mode === 'closed';
  }

  private async pump(): Promise<void> {
    if (this.busy || this.mode === 'closed') return;
    this.busy = true;
    // Replies to the commands of one input chunk (a pipelined MAIL/RCPT/DATA) leave in one write:
    // the socket is corked until the loop needs more input (RFC 2920 lets a server group replies).
    const socket = this.socket;
    socket.cork();
    try {
      while (!this.isClosed()) {
        const progressed = await this.step();
        if (this.tarpitMs > 0) await this.tarpit();
        if (!progressed) break;
      }
    } catch (error) {
      this.log.error({ err: error }, 'session failed');
      this.writeReply(reply(421, '4.3.0', 'Internal error, closing connection'));
      this.close();
    } finally {
      this.busy = false;
      socket.uncork();
    }
    if (this.closing && this.mode === 'command') this.shutdown();
  }

  /** Processes one unit of input; false when more bytes are needed. */
  private async step(): Promise<boolean> {
    switch (this.mode) {
      case 'data':
        return this.message.readData(this.input);
      case 'bdat':
        return this.message.readBdat(this.input);
      default: {
        const line = this.input.readLine(this.options.limits.maxCommandLineLength);
        if (line === null) return false;
        this.armTimer();
        if (line === 'too-long') {
          this.error(reply(500, '5.5.2', 'Line too long'));
          return true;
        }
        if (this.mode === 'auth') await this.authDialogue.continue(line.toString('utf8'));
        else await this.command(line);
        // Inactivity counts from our last reply, not from a command that took long.
        if (!this.isClosed()) this.armTimer();
        return true;
      }
    }
  }

  private async command(raw: Buffer): Promise<void> {
    if (raw.includes(0)) return this.error(reply(500, '5.5.2', 'Syntax error: NUL in command'));
    // Invalid UTF-8 is refused, not turned into U+FFFD and matched against addresses.
    const text = decodeUtf8Strict(raw);
    if (text === null) return this.error(reply(500, '5.5.2', 'Syntax error: command is not valid UTF-8'));
    const { verb, argument } = parseCommandLine(text);
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        return this.hello(verb, argument);
      case 'MAIL':
        if (!this.helloDone()) return;
        return this.respond(await handleMail(this, argument));
      case 'RCPT':
        return this.respond(await handleRcpt(this, argument));
      case 'DATA':
        return this.message.data(argument);
      case 'BDAT':
        return this.message.bdatStart(argument);
      case 'BURL':
        if (!this.message.burlOffered) return this.error(reply(500, '5.5.2', 'Command unrecognized'));
        return this.message.burl(argument);
      case 'RSET':
        this.resetTransaction();
        return this.respond(reply(250, '2.0.0', 'Ok'));
      case 'NOOP':
        return this.respond(reply(250, '2.0.0', 'Ok'));
      case 'QUIT':
        this.writeReply(reply(221, '2.0.0', `${this.options.hostname} Bye`));
        return this.close();
      case 'HELP':
        return this.respond(reply(214, '2.0.0', 'See RFC 5321'));
      case 'VRFY':
        return this.respond(
          reply(252, '2.5.2', 'Cannot VRFY user, but will accept message and attempt delivery'),
        );
      case 'EXPN':
        return this.respond(reply(502, '5.5.1', 'EXPN is disabled'));
      case 'ETRN':
        if (!this.policy.etrn || this.options.name !== 'mx') {
          return this.error(reply(500, '5.5.2', 'Command unrecognized'));
        }
        if (!this.helloDone()) return;
        if (this.envelope)
          return this.respond(reply(503, '5.5.1', 'ETRN is not allowed in a mail transaction'));
        return this.respond(await this.policy.etrn(this.info, argument));
      case 'STARTTLS':
        return this.startTls(argument);
      case 'AUTH':
        return this.authDialogue.start(argument);
      default:
        return this.error(reply(500, '5.5.2', 'Command unrecognized'));
    }
  }

  private helloDone(): boolean {
    if (this.info.helo !== null) return true;
    this.error(reply(503, '5.5.1', 'Send EHLO/HELO first'));
    return false;
  }

  private hello(verb: 'EHLO' | 'HELO', argument: string): void {
    const syntaxError = helloSyntaxError(verb, argument);
    if (syntaxError) return this.error(syntaxError);
    this.resetTransaction();
    this.info.helo = argument;
    this.ehlo = verb === 'EHLO';
    this.respond(helloReply(verb, argument, this.options, this.info, this.message.burlOffered));
  }

  private startTls(argument: string): void {
    if (argument) return this.error(reply(501, '5.5.4', 'STARTTLS takes no arguments'));
    if (this.info.secure) return this.error(reply(503, '5.5.1', 'Already in TLS'));
    // Anything pipelined after STARTTLS must be discarded (command injection, CVE-2011-0411).
    this.input.clear();
    this.writeReply(reply(220, '2.0.0', 'Ready to start TLS'));
    const plain = this.socket;
    // The 220 must be on the wire before the TLS layer takes the socket over (pump() corks it).
    while (plain.writableCorked > 0) plain.uncork();
    plain.removeAllListeners('data');
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.secureContext() });
    this.socket = secure;
    this.mode = 'closed';
    this.busy = false;
    secure.once('secure', () => {
      this.info.secure = true;
      this.info.helo = null;
      this.ehlo = false;
      this.resetTransaction();
      this.mode = 'command';
      this.armTimer();
    });
    secure.on('data', (chunk: Buffer) => {
      this.input.push(chunk);
      this.pump();
    });
    secure.on('error', (error) => {
      this.log.debug({ err: error }, 'TLS error');
      secure.destroy();
    });
  }

  resetTransaction(): void {
    this.envelope = null;
    this.message.reset();
  }

  /** Sends a reply to a command (errors count towards the per-session error limit). */
  respond(r: SmtpReply): void {
    if (r.code >= 500) return this.error(r);
    this.writeReply(r);
  }

  private error(r: SmtpReply): void {
    // Tarpitting: after the Nth error the reply is held back (socket corked) for a while.
    const delay = this.policy.tarpitDelay?.(this.info, this.errors + 1) ?? 0;
    if (delay > 0 && this.tarpitMs === 0) {
      this.socket.cork();
      this.tarpitMs = delay;
    }
    this.writeReply(r);
    this.errors++;
    if (this.errors >= this.options.limits.maxErrors) {
      this.writeReply(reply(421, '4.7.0', 'Too many errors, closing connection'));
      this.close();
    }
  }

  writeReply(r: SmtpReply): void {
    if (this.mode === 'closed' && !this.socket.writable) return;
    if (this.socket.writable) this.socket.write(formatReply(r, true));
  }

  close(): void {
    this.mode = 'closed';
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 5000).unref();
    this.finish();
  }

  private tarpitMs = 0;
  /** Waits out a tarpit delay, then releases the held replies; no command is read meanwhile. */
  private async tarpit(): Promise<void> {
    const socket = this.socket;
    await new Promise((resolve) => setTimeout(resolve, this.tarpitMs));
    this.tarpitMs = 0;
    socket.uncork();
  }

  private finished = false;
  private finish(): void {
    this.mode = 'closed';
    if (this.timer) clearTimeout(this.timer);
    if (this.finished) return;
    this.finished = true;
    this.policy.sessionClosed?.(this.info);
    this.onClose();
  }
}
