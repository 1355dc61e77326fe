import type { Logger } from 'pino';
import { throttledMessage, type AuthThrottle } from '../../core/auth/auth-throttle';
import { decodeBase64Text, decodeSaslPlain } from '../../core/auth/sasl-plain';
import { reply, type SmtpReply } from './smtp-reply';
import type { SessionInfo, SmtpPolicy, SmtpServerOptions } from './types';

/** What the AUTH dialogue needs from its SMTP session. */
export interface SmtpAuthHost {
  readonly info: SessionInfo;
  readonly options: SmtpServerOptions;
  readonly policy: SmtpPolicy;
  readonly log: Logger;
  readonly throttle: AuthThrottle;
  /** False (and the 503 sent) before EHLO/HELO. */
  helloDone(): boolean;
  inTransaction(): boolean;
  /** 'auth': the next input lines are the client's SASL responses, not commands. */
  setMode(mode: 'auth' | 'command'): void;
  respond(r: SmtpReply): void;
  writeReply(r: SmtpReply): void;
  /** An error reply, counted towards the session's error limit. */
  error(r: SmtpReply): void;
}

/** AUTH PLAIN and AUTH LOGIN (RFC 4954): the command, then the client's responses line by line. */
export class SmtpAuthDialogue {
  private state: { mechanism: 'PLAIN' | 'LOGIN'; username?: string } | null = null;

  constructor(private readonly session: SmtpAuthHost) {}

  /** The AUTH command. */
  async start(argument: string): Promise<void> {
    const session = this.session;
    if (!session.helloDone()) return;
    if (!session.options.authEnabled) return session.error(reply(502, '5.5.1', 'AUTH not available'));
    if (session.info.authenticatedAs) return session.error(reply(503, '5.5.1', 'Already authenticated'));
    if (!session.info.secure && !session.options.allowInsecureAuth) {
      return session.error(
        reply(538, '5.7.11', 'Encryption required for requested authentication mechanism'),
      );
    }
    if (session.inTransaction())
      return session.error(reply(503, '5.5.1', 'AUTH not allowed during a mail transaction'));
    // The per-address ceiling is known before the user name; the per-account delay after it.
    const wait = session.throttle.addressRetryAfter(session.info.remoteAddress);
    if (wait > 0) return session.error(reply(454, '4.7.0', throttledMessage(wait)));
    const [mechanism, initial] = argument.split(/\s+/, 2);
    switch ((mechanism ?? '').toUpperCase()) {
      case 'PLAIN':
        this.state = { mechanism: 'PLAIN' };
        if (initial !== undefined) return this.continue(initial === '=' ? '' : initial);
        session.setMode('auth');
        return session.writeReply(reply(334, undefined, ''));
      case 'LOGIN':
        this.state = { mechanism: 'LOGIN' };
        session.setMode('auth');
        if (initial !== undefined) return this.continue(initial);
        return session.writeReply(reply(334, undefined, Buffer.from('Username:').toString('base64')));
      default:
        return session.error(reply(504, '5.5.4', 'Unrecognized authentication type'));
    }
  }

  /** One response line from the client. */
  async continue(line: string): Promise<void> {
    const session = this.session;
    const state = this.state!;
    if (line === '*') {
      session.setMode('command');
      this.state = null;
      return session.error(reply(501, '5.7.0', 'Authentication cancelled'));
    }
    if (state.mechanism === 'LOGIN' && state.username === undefined) {
      const username = decodeBase64Text(line);
      if (username === null) return this.failed(reply(501, '5.5.2', 'Invalid base64'));
      state.username = username;
      session.setMode('auth');
      return session.writeReply(reply(334, undefined, Buffer.from('Password:').toString('base64')));
    }
    let username: string;
    let password: string;
    if (state.mechanism === 'PLAIN') {
      const decoded = decodeSaslPlain(line);
      if (!decoded) return this.failed(reply(501, '5.5.2', 'Invalid PLAIN response'));
      if (decoded.authzid && decoded.authzid !== decoded.username) {
        return this.failed(reply(535, '5.7.8', 'Authentication credentials invalid'));
      }
      ({ username, password } = decoded);
    } else {
      const decoded = decodeBase64Text(line);
      if (decoded === null) return this.failed(reply(501, '5.5.2', 'Invalid base64'));
      username = state.username!;
      password = decoded;
    }
    session.setMode('command');
    this.state = null;
    const retry = session.throttle.retryAfter(session.info.remoteAddress, username);
    if (retry > 0) return session.error(reply(454, '4.7.0', throttledMessage(retry)));
    if (await session.policy.authenticate(session.info, username, password)) {
      session.throttle.recordSuccess(session.info.remoteAddress, username);
      session.info.authenticatedAs = username.toLowerCase();
      session.log.info({ user: session.info.authenticatedAs }, 'authenticated');
      return session.respond(reply(235, '2.7.0', 'Authentication successful'));
    }
    session.throttle.recordFailure(session.info.remoteAddress, username);
    session.log.info({ user: username }, 'authentication failed');
    return this.failed(reply(535, '5.7.8', 'Authentication credentials invalid'));
  }

  private failed(r: SmtpReply): void {
    this.session.setMode('command');
    this.state = null;
    this.session.error(r);
  }
}
