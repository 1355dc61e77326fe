/**
 * The commands of an SMTP session that carry the message body: DATA, BDAT (RFC 3030) and BURL
 * (RFC 4468), the switch back to commands once a body or chunk is complete, and handing the
 * whole message to acceptMessage (with the per-connection message limit).
 */
import type { Logger } from 'pino';
import { acceptMessage } from './accept-message';
import { SmtpBodyReceiver, type BodyStep } from './body-receiver';
import { fetchBurl, parseBurlArgument } from './burl-command';
import type { InputBuffer } from './input-buffer';
import { reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SessionInfo, SmtpPolicy, SmtpServerOptions } from './types';

/** What the body commands need from their SMTP session. */
export interface SmtpMessageHost {
  readonly info: SessionInfo;
  readonly options: SmtpServerOptions;
  readonly policy: SmtpPolicy;
  readonly log: Logger;
  /** The transaction in progress (null before MAIL FROM). */
  envelope(): Envelope | null;
  /** The client said EHLO (not HELO): the Received header says ESMTP. */
  esmtp(): boolean;
  /** 'data'/'bdat': the next input is body bytes, not commands. */
  setMode(mode: 'command' | 'data' | 'bdat'): void;
  armTimer(): void;
  resetTransaction(): void;
  respond(r: SmtpReply): void;
  writeReply(r: SmtpReply): void;
  /** An error reply, counted towards the session's error limit. */
  error(r: SmtpReply): void;
  close(): void;
}

export class SmtpMessageCommands {
  private readonly body: SmtpBodyReceiver;
  private messages = 0;

  constructor(private readonly session: SmtpMessageHost) {
    this.body = new SmtpBodyReceiver(session.options, session.log);
  }

  /** BURL (RFC 4468): only on submission, and only where the policy can resolve URLs. */
  get burlOffered(): boolean {
    return this.session.options.name === 'submission' && this.session.policy.fetchBurl !== undefined;
  }

  /** The transaction ended: any body or chunks received so far are dropped. */
  reset(): void {
    this.body.reset();
  }

  data(argument: string): void {
    const session = this.session;
    const refused = this.body.startData(argument, session.envelope());
    if (refused) return session.error(refused);
    session.setMode('data');
    session.armTimer();
    session.writeReply(reply(354, undefined, 'End data with <CR><LF>.<CR><LF>'));
  }

  bdatStart(argument: string): void {
    const session = this.session;
    if (this.body.startBdat(argument, session.envelope()) === 'desync') {
      // Without a size the chunk's end is unknown: its bytes must not be read as commands.
      session.resetTransaction();
      session.writeReply(reply(501, '5.5.4', 'Syntax: BDAT size [LAST]'));
      session.writeReply(reply(421, '4.5.0', `${session.options.hostname} Lost synchronisation, closing`));
      return session.close();
    }
    session.setMode('bdat');
    session.armTimer();
  }

  /** Reads DATA body input; false when more bytes are needed. */
  readData(input: InputBuffer): Promise<boolean> {
    return this.afterBody(this.body.readData(input));
  }

  /** Reads BDAT chunk input; false when more bytes are needed. */
  readBdat(input: InputBuffer): Promise<boolean> {
    return this.afterBody(this.body.readBdat(input, this.session.envelope()));
  }

  async burl(argument: string): Promise<void> {
    const session = this.session;
    const request = parseBurlArgument(argument);
    if ('code' in request) return session.error(request);
    let fetched: { data: Buffer } | { reply: SmtpReply };
    try {
      fetched = await fetchBurl(session.info, session.envelope(), session.policy, request);
    } catch (error) {
      session.log.warn({ err: error }, 'BURL fetch failed');
      fetched = { reply: reply(451, '4.4.1', 'Temporary failure fetching the URL, try again later') };
    }
    if ('reply' in fetched) {
      // Like a refused BDAT chunk, a failed BURL ends the transaction (RFC 4468 §4, RFC 3030 §2).
      if (session.envelope()) session.resetTransaction();
      return session.respond(fetched.reply);
    }
    await this.afterBody(this.body.addBurl(fetched.data, request.last, session.envelope()));
  }

  /** Back to commands once a DATA body or a BDAT chunk is complete. */
  private async afterBody(step: BodyStep): Promise<boolean> {
    if (step === 'need-more') return false;
    if (step === 'reading') return true;
    const session = this.session;
    session.setMode('command');
    session.armTimer();
    if (step.done === 'message') {
      await this.finishMessage(step.data);
    } else {
      if (step.done === 'refused') session.resetTransaction();
      session.respond(step.reply);
    }
    return true;
  }

  private async finishMessage(data: Buffer): Promise<void> {
    const session = this.session;
    const envelope = session.envelope()!;
    session.resetTransaction();
    const { reply: answer, queued } = await acceptMessage(
      {
        info: session.info,
        hostname: session.options.hostname,
        policy: session.policy,
        log: session.log,
        esmtp: session.esmtp(),
        maxHops: session.options.limits.maxHops,
      },
      envelope,
      data,
    );
    if (queued) this.messages++;
    session.respond(answer);
    if (queued && this.messages >= session.options.limits.maxMessagesPerConnection) {
      session.writeReply(reply(421, '4.7.0', 'Too many messages in this connection, closing'));
      session.close();
    }
  }
}
