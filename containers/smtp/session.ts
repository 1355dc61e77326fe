import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { decodeBase64Text, decodeSaslPlain } from '../../core/auth/sasl-plain';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import { newQueueId } from '../../core/spool/queue-id';
import { parseCommandLine } from './command-parser';
import { DataDecoder, type DataProblem } from './data-decoder';
import { InputBuffer } from './input-buffer';
import { handleMail, handleRcpt } from './envelope-commands';
import { buildReceivedHeader } from './received-header';
import { formatReply, reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SessionInfo, SmtpPolicy, SmtpServerOptions } from './types';

type Mode = 'command' | 'data' | 'bdat' | 'auth' | 'closed';

const DATA_PROBLEM_REPLIES: Record<DataProblem, SmtpReply> = {
  'too-big': reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'),
  'bare-line-ending': reply(550, '5.6.0', 'Message contains bare CR or LF; lines must end with CRLF'),
  nul: reply(550, '5.6.0', 'Message contains NUL characters'),
  'line-too-long': reply(550, '5.6.0', 'Message contains a line that is too long'),
  '8bit-header': reply(550, '5.6.7', 'Message header contains 8-bit characters; SMTPUTF8 required'),
};

/**
 * One SMTP session (RFC 5321 + ESMTP). Commands are read one at a time from the input buffer, so
 * pipelined commands are answered in order; handlers that touch storage run to completion before
 * the next command is read.
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
  private decoder: DataDecoder | null = null;
  private bdat: {
    parts: Buffer[];
    size: number;
    remaining: number;
    last: boolean;
    failed: SmtpReply | null;
  } | null = null;
  private authState: { mechanism: 'PLAIN' | 'LOGIN'; username?: string } | null = null;
  private errors = 0;
  private messages = 0;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    socket: Socket,
    info: SessionInfo,
    readonly options: SmtpServerOptions,
    readonly policy: SmtpPolicy,
    private readonly secureContext: () => SecureContext,
    private readonly authThrottle: AuthThrottle,
    readonly log: Logger,
    private readonly onClose: () => void,
  ) {
    this.socket = socket;
    this.info = info;
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
    }
    if (this.closing && this.mode === 'command') this.shutdown();
  }

  /** Processes one unit of input; false when more bytes are needed. */
  private async step(): Promise<boolean> {
    switch (this.mode) {
      case 'data':
        return this.stepData();
      case 'bdat':
        return this.stepBdat();
      default: {
        const line = this.input.readLine(this.options.limits.maxCommandLineLength);
        if (line === null) return false;
        this.armTimer();
        if (line === 'too-long') {
          this.error(reply(500, '5.5.2', 'Line too long'));
          return true;
        }
        if (this.mode === 'auth') await this.continueAuth(line.toString('utf8'));
        else await this.command(line);
        // Inactivity counts from our last reply, not from a command that took long.
        if (!this.isClosed()) this.armTimer();
        return true;
      }
    }
  }

  private async command(raw: Buffer): Promise<void> {
    if (raw.includes(0)) return this.error(reply(500, '5.5.2', 'Syntax error: NUL in command'));
    const { verb, argument } = parseCommandLine(raw.toString('utf8'));
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
        return this.data(argument);
      case 'BDAT':
        return this.bdatStart(argument);
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
      case 'STARTTLS':
        return this.startTls(argument);
      case 'AUTH':
        return this.auth(argument);
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
    if (!argument || /\s/.test(argument) || argument.length > 255) {
      return this.error(reply(501, '5.5.4', `Syntax: ${verb} hostname`));
    }
    this.resetTransaction();
    this.info.helo = argument;
    this.ehlo = verb === 'EHLO';
    if (!this.ehlo) return this.respond(reply(250, undefined, this.options.hostname));
    const lines = [
      `${this.options.hostname} greets ${argument}`,
      'PIPELINING',
      `SIZE ${this.options.limits.maxMessageSize}`,
      '8BITMIME',
      'SMTPUTF8',
      'ENHANCEDSTATUSCODES',
      'CHUNKING',
      'BINARYMIME',
      'DSN',
    ];
    if (!this.info.secure) lines.push('STARTTLS');
    if (this.authOffered()) lines.push('AUTH PLAIN LOGIN');
    this.respond({ code: 250, lines });
  }

  private authOffered(): boolean {
    return (
      this.options.authEnabled &&
      (this.info.secure || this.options.allowInsecureAuth) &&
      !this.info.authenticatedAs
    );
  }

  private async data(argument: string): Promise<void> {
    if (argument) return this.error(reply(501, '5.5.4', 'DATA takes no arguments'));
    const ready = this.transactionReady();
    if (ready) return this.error(ready);
    if (this.envelope!.body === 'BINARYMIME')
      return this.error(reply(503, '5.5.1', 'BINARYMIME requires BDAT'));
    this.decoder = new DataDecoder({
      maxSize: this.options.limits.maxMessageSize,
      maxLineLength: this.options.limits.maxDataLineLength,
      rejectBareLineEndings: this.options.rejectBareLineEndings,
      allow8bitHeaders: this.envelope!.utf8,
    });
    this.mode = 'data';
    this.armTimer();
    this.writeReply(reply(354, undefined, 'End data with <CR><LF>.<CR><LF>'));
  }

  private transactionReady(): SmtpReply | null {
    if (!this.envelope) return reply(503, '5.5.1', 'Need MAIL command');
    if (this.envelope.recipients.length === 0) return reply(554, '5.5.1', 'No valid recipients');
    return null;
  }

  private async stepData(): Promise<boolean> {
    const decoder = this.decoder!;
    const line = this.input.readRawLine();
    if (line === null) return false;
    if (!decoder.feedLine(line)) return true;
    this.mode = 'command';
    this.decoder = null;
    this.armTimer();
    if (decoder.problem) {
      this.log.info({ problem: decoder.problem, size: decoder.receivedSize }, 'message refused');
      this.resetTransaction();
      this.respond(DATA_PROBLEM_REPLIES[decoder.problem]);
      return true;
    }
    await this.finishMessage(decoder.result());
    return true;
  }

  private bdatStart(argument: string): void {
    const match = /^(\d{1,12})(?:\s+(LAST))?$/i.exec(argument);
    if (!match) return this.error(reply(501, '5.5.4', 'Syntax: BDAT size [LAST]'));
    const size = Number(match[1]);
    const last = match[2] !== undefined;
    const failed = this.transactionReady();
    if (!this.bdat) this.bdat = { parts: [], size: 0, remaining: 0, last: false, failed };
    this.bdat.remaining = size;
    this.bdat.last = last;
    this.mode = 'bdat';
    this.armTimer();
  }

  private async stepBdat(): Promise<boolean> {
    const state = this.bdat!;
    if (state.remaining > 0) {
      const bytes = this.input.readBytes(state.remaining);
      if (bytes.length === 0) return false;
      state.remaining -= bytes.length;
      state.size += bytes.length;
      if (state.size > this.options.limits.maxMessageSize && !state.failed) {
        state.failed = DATA_PROBLEM_REPLIES['too-big'];
      }
      if (!state.failed) state.parts.push(Buffer.from(bytes));
      if (state.remaining > 0) return true;
    }
    this.mode = 'command';
    this.armTimer();
    if (state.failed) {
      // The chunk is consumed; the whole transaction fails (RFC 3030 §2).
      this.bdat = null;
      this.resetTransaction();
      this.respond(state.failed);
      return true;
    }
    if (!state.last) {
      this.respond(reply(250, '2.0.0', `${state.size} octets received`));
      return true;
    }
    this.bdat = null;
    const data = Buffer.concat(state.parts);
    if (!this.envelope!.utf8 && headerHas8bit(data)) {
      this.resetTransaction();
      this.respond(DATA_PROBLEM_REPLIES['8bit-header']);
      return true;
    }
    await this.finishMessage(data);
    return true;
  }

  private async finishMessage(data: Buffer): Promise<void> {
    const envelope = this.envelope!;
    this.resetTransaction();
    const queueId = newQueueId();
    const checked = (await this.policy.checkMessage?.(this.info, envelope, data)) ?? null;
    if (checked) return this.respond(checked);
    const received = buildReceivedHeader({
      session: this.info,
      hostname: this.options.hostname,
      queueId,
      recipients: envelope.recipients,
      utf8: envelope.utf8,
      esmtp: this.ehlo,
    });
    try {
      await this.policy.accept(this.info, envelope, Buffer.concat([received, data]), queueId);
    } catch (error) {
      this.log.error({ err: error, queueId }, 'message not stored');
      return this.respond(reply(451, '4.3.0', 'Temporary storage failure, please try again later'));
    }
    this.messages++;
    this.log.info(
      { queueId, from: envelope.mailFrom, rcpts: envelope.recipients.length, size: data.length },
      'message accepted',
    );
    this.respond(reply(250, '2.0.0', `Ok: queued as ${queueId}`));
    if (this.messages >= this.options.limits.maxMessagesPerConnection) {
      this.writeReply(reply(421, '4.7.0', 'Too many messages in this connection, closing'));
      this.close();
    }
  }

  private startTls(argument: string): void {
    if (argument) return this.error(reply(501, '5.5.4', 'STARTTLS takes no arguments'));
    if (this.info.secure) return this.error(reply(503, '5.5.1', 'Already in TLS'));
    // Anything pipelined after STARTTLS must be discarded (command injection, CVE-2011-0411).
    this.input.clear();
    this.writeReply(reply(220, '2.0.0', 'Ready to start TLS'));
    const plain = this.socket;
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

  private async auth(argument: string): Promise<void> {
    if (!this.helloDone()) return;
    if (!this.options.authEnabled) return this.error(reply(502, '5.5.1', 'AUTH not available'));
    if (this.info.authenticatedAs) return this.error(reply(503, '5.5.1', 'Already authenticated'));
    if (!this.info.secure && !this.options.allowInsecureAuth) {
      return this.error(reply(538, '5.7.11', 'Encryption required for requested authentication mechanism'));
    }
    if (this.envelope) return this.error(reply(503, '5.5.1', 'AUTH not allowed during a mail transaction'));
    if (this.authThrottle.isLocked(this.info.remoteAddress)) {
      return this.error(reply(454, '4.7.0', 'Too many authentication failures, try again later'));
    }
    const [mechanism, initial] = argument.split(/\s+/, 2);
    switch ((mechanism ?? '').toUpperCase()) {
      case 'PLAIN':
        this.authState = { mechanism: 'PLAIN' };
        if (initial !== undefined) return this.continueAuth(initial === '=' ? '' : initial);
        this.mode = 'auth';
        return this.writeReply(reply(334, undefined, ''));
      case 'LOGIN':
        this.authState = { mechanism: 'LOGIN' };
        this.mode = 'auth';
        if (initial !== undefined) return this.continueAuth(initial);
        return this.writeReply(reply(334, undefined, Buffer.from('Username:').toString('base64')));
      default:
        return this.error(reply(504, '5.5.4', 'Unrecognized authentication type'));
    }
  }

  private async continueAuth(line: string): Promise<void> {
    const state = this.authState!;
    if (line === '*') {
      this.mode = 'command';
      this.authState = null;
      return this.error(reply(501, '5.7.0', 'Authentication cancelled'));
    }
    if (state.mechanism === 'LOGIN' && state.username === undefined) {
      const username = decodeBase64Text(line);
      if (username === null) return this.authFailed(reply(501, '5.5.2', 'Invalid base64'));
      state.username = username;
      this.mode = 'auth';
      return this.writeReply(reply(334, undefined, Buffer.from('Password:').toString('base64')));
    }
    let username: string;
    let password: string;
    if (state.mechanism === 'PLAIN') {
      const decoded = decodeSaslPlain(line);
      if (!decoded) return this.authFailed(reply(501, '5.5.2', 'Invalid PLAIN response'));
      if (decoded.authzid && decoded.authzid !== decoded.username) {
        return this.authFailed(reply(535, '5.7.8', 'Authentication credentials invalid'));
      }
      ({ username, password } = decoded);
    } else {
      const decoded = decodeBase64Text(line);
      if (decoded === null) return this.authFailed(reply(501, '5.5.2', 'Invalid base64'));
      username = state.username!;
      password = decoded;
    }
    this.mode = 'command';
    this.authState = null;
    if (await this.policy.authenticate(this.info, username, password)) {
      this.authThrottle.recordSuccess(this.info.remoteAddress);
      this.info.authenticatedAs = username.toLowerCase();
      this.log.info({ user: this.info.authenticatedAs }, 'authenticated');
      return this.respond(reply(235, '2.7.0', 'Authentication successful'));
    }
    this.authThrottle.recordFailure(this.info.remoteAddress);
    this.log.info({ user: username }, 'authentication failed');
    return this.authFailed(reply(535, '5.7.8', 'Authentication credentials invalid'));
  }

  private authFailed(r: SmtpReply): void {
    this.mode = 'command';
    this.authState = null;
    this.error(r);
  }

  resetTransaction(): void {
    this.envelope = null;
    this.bdat = null;
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

function headerHas8bit(data: Buffer): boolean {
  let end = data.indexOf('\r\n\r\n');
  if (end < 0) end = data.length;
  for (let i = 0; i < end; i++) if (data[i] > 0x7f) return true;
  return false;
}
