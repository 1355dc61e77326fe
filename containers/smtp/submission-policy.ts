import type { Logger } from 'pino';
import type { MessageAcceptor } from '../../core/delivery/message-acceptor';
import type { Directory } from '../../core/directory/directory';
import { parseAddress } from '../../core/mail/address';
import { parseAddressList } from '../../core/mime/address-list';
import { readHeader } from '../../core/mime/header-parser';
import type { SqlDatabase } from '../../core/ports/sql';
import type { ImapAppender } from '../../core/store/imap-append';
import { parseImapUrl, type ImapUrl } from '../../core/mail/imap-url';
import type { UrlFetcher } from '../../core/store/url-fetch';
import type { OutboundControl } from '../../core/outbound/setup';
import { outboundReply } from './outbound-check';
import { reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SessionInfo, SmtpPolicy } from './types';

export interface SubmissionOptions {
  /** Store a copy of each accepted message in the sender's Sent folder. */
  saveToSent: boolean;
}

/**
 * The submission policy (587/465): only authenticated users, and only as themselves. The envelope
 * sender and every From: address must be the account's address or an alias that points at it;
 * anything else is refused with 553 5.7.1. Relaying to any domain is allowed once authenticated.
 */
export class SubmissionPolicy implements SmtpPolicy {
  constructor(
    private readonly db: SqlDatabase,
    private readonly directory: Directory,
    private readonly acceptor: MessageAcceptor,
    private readonly options: SubmissionOptions,
    private readonly log: Logger,
    private readonly appender?: ImapAppender,
    /** Resolves BURL URLs in the shared store (BURL is offered only with it). */
    urls?: UrlFetcher,
    /** Rate limits and account holds (core/outbound); absent: not counted. */
    private readonly outbound?: OutboundControl,
  ) {
    if (urls) this.fetchBurl = (session, url) => this.burl(urls, session, url);
  }

  fetchBurl?: SmtpPolicy['fetchBurl'];

  /** Messages of a held account (set at the end of DATA): the hold's reason. */
  private readonly holding = new WeakMap<Envelope, string>();

  /** BURL: the URLAUTH check as the submission entity for the authenticated user ("submit+<user>"). */
  private async burl(
    urls: UrlFetcher,
    session: SessionInfo,
    text: string,
  ): Promise<{ data: Buffer } | { reply: SmtpReply }> {
    const account = session.authenticatedAs ? await this.directory.getAccount(session.authenticatedAs) : null;
    if (!account) return { reply: reply(530, '5.7.0', 'Authentication required') };
    let url: ImapUrl;
    try {
      url = parseImapUrl(text);
    } catch {
      return { reply: reply(554, '5.5.4', 'Invalid IMAP URL') };
    }
    const fetched = await urls.fetchAuthorized(
      { accountId: account.id, address: account.address, submit: true },
      url,
    );
    if (fetched.ok) return { data: fetched.data };
    return fetched.reason === 'denied'
      ? { reply: reply(554, '5.7.0', 'IMAP URL authorization failed') }
      : { reply: reply(554, '5.6.6', 'IMAP URL resolution failed: message content not available') };
  }

  async checkSender(session: SessionInfo, envelope: Envelope): Promise<SmtpReply | null> {
    if (!session.authenticatedAs) return reply(530, '5.7.0', 'Authentication required');
    if (envelope.mailFrom === '') {
      return reply(553, '5.7.1', 'Sender address rejected: the null sender cannot submit mail');
    }
    if (!(await this.owns(session.authenticatedAs, envelope.mailFrom))) {
      return reply(553, '5.7.1', `Sender address rejected: not owned by user ${session.authenticatedAs}`);
    }
    return null;
  }

  async checkRecipient(
    session: SessionInfo,
    _envelope: Envelope,
    address: string,
  ): Promise<SmtpReply | null> {
    if (!session.authenticatedAs) return reply(530, '5.7.0', 'Authentication required');
    const resolution = await this.directory.cachedResolve(address);
    if (resolution.kind === 'unknown-user') {
      return reply(550, '5.1.1', 'Recipient address rejected: user unknown');
    }
    if (this.outbound && _envelope.recipients.length === 0) {
      // Early refusal when the hourly or daily message limit is already used up.
      const limited = await this.outbound.guard.precheck(session.authenticatedAs, session.remoteAddress);
      if (limited) return outboundReply(limited);
    }
    return null;
  }

  async authenticate(_session: SessionInfo, username: string, password: string): Promise<boolean> {
    // The login signal is fed for every protocol by the node's AuthThrottle.onLogin hook.
    return (await this.directory.authenticate(username, password)) !== null;
  }

  async checkMessage(session: SessionInfo, _envelope: Envelope, data: Buffer): Promise<SmtpReply | null> {
    const { fields } = readHeader(data, 0, data.length);
    const from = fields.filter((f) => f.name.toLowerCase() === 'from');
    if (from.length !== 1) return reply(550, '5.6.0', 'Message must have exactly one From: header');
    const addresses = (parseAddressList(from[0].value) ?? []).filter((a) => a.mailbox && a.host);
    if (addresses.length === 0) return reply(550, '5.6.0', 'From: header has no valid address');
    for (const address of addresses) {
      if (!(await this.owns(session.authenticatedAs!, `${address.mailbox}@${address.host}`))) {
        return reply(553, '5.7.1', `From: address not owned by user ${session.authenticatedAs}`);
      }
    }
    if (this.outbound) {
      const decision = await this.outbound.guard
        .admit(
          session.authenticatedAs!,
          session.remoteAddress,
          _envelope.recipients.map((r) => r.address),
        )
        .catch((err: unknown) => {
          this.log.error({ err }, 'outbound limits unavailable');
          return null;
        });
      if (!decision) return reply(451, '4.3.0', 'Temporary failure, please try again later');
      if (decision.kind === 'hold') this.holding.set(_envelope, decision.reason);
      return outboundReply(decision);
    }
    return null;
  }

  async accept(session: SessionInfo, envelope: Envelope, data: Buffer, queueId: string): Promise<void> {
    const held = this.holding.get(envelope);
    const accept = held
      ? (input: Parameters<MessageAcceptor['accept']>[0]) =>
          this.outbound!.held.hold(input, session.authenticatedAs!, held)
      : (input: Parameters<MessageAcceptor['accept']>[0]) => this.acceptor.accept(input);
    await accept({
      queueId,
      data,
      mailFrom: envelope.mailFrom,
      recipients: envelope.recipients,
      client: { address: session.remoteAddress, helo: session.helo ?? undefined },
      authenticatedAs: session.authenticatedAs ?? undefined,
      dsn: envelope.dsn,
    });
    if (this.options.saveToSent && this.appender && session.authenticatedAs) {
      // After the 250 is safe: a failed Sent copy must not make the client resend the message.
      await this.saveSent(session.authenticatedAs, data).catch((error: unknown) =>
        this.log.warn({ err: error, queueId }, 'could not save a copy to Sent'),
      );
    }
  }

  /** True when `address` is the account itself or an alias whose target is the account. */
  private async owns(account: string, address: string): Promise<boolean> {
    let key: string;
    try {
      key = parseAddress(address, { utf8: true }).key;
    } catch {
      return false;
    }
    const user = account.toLowerCase();
    if (key === user) return true;
    const result = await this.db.query(
      `SELECT 1 FROM aliases WHERE lower(source) = $1 AND lower(target) = $2 LIMIT 1`,
      [key, user],
    );
    return result.rows.length > 0;
  }

  private async saveSent(account: string, data: Buffer): Promise<void> {
    const found = await this.directory.getAccount(account);
    if (!found) return;
    const mailbox = await this.db.query<{ id: number }>(
      `SELECT id FROM mailboxes WHERE account_id = $1 AND (special_use = '\\Sent' OR name = 'Sent')
       ORDER BY (special_use = '\\Sent') DESC LIMIT 1`,
      [found.id],
    );
    if (!mailbox.rows[0]) return;
    await this.appender!.append(found.id, Number(mailbox.rows[0].id), [{ data, flags: ['\\Seen'] }]);
  }
}
