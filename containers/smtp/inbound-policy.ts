import type { Directory } from '../../core/directory/directory';
import type { MessageAcceptor } from '../../core/delivery/message-acceptor';
import type { ClientContext, InboundSecurity } from '../../core/security/inbound-security';
import { NetworkList } from '../net/ip-match';
import type { EtrnService } from './etrn-command';
import { reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SessionInfo, SmtpPolicy } from './types';

/**
 * The MX policy: accept mail for local recipients only (no open relay), unless the client is
 * authenticated or in a friendly (relay) network. Unknown users are refused at RCPT, not bounced
 * later. With a security policy (core/security) it also applies DNSBL, rate limits, greylisting,
 * tarpitting, SPF/DKIM/DMARC/ARC and content scanning; the friendly networks then come from the
 * directory (setting relay.networks), so a change on one node applies to all.
 */
export class InboundPolicy implements SmtpPolicy {
  private readonly relayNetworks: NetworkList;
  /** Headers decided by checkMessage, added by accept (same session, back to back). */
  private readonly pendingHeaders = new Map<string, string>();

  constructor(
    private readonly directory: Directory,
    private readonly acceptor: MessageAcceptor,
    relayNetworks: readonly string[],
    private readonly security?: InboundSecurity,
    /** Relay domains (accepted at RCPT, recipient lists) and ETRN. */
    private readonly relay?: EtrnService,
  ) {
    this.relayNetworks = new NetworkList(relayNetworks);
  }

  async checkConnection(session: SessionInfo): Promise<SmtpReply | null> {
    return (await this.security?.onConnect(client(session))) ?? null;
  }

  sessionClosed(session: SessionInfo): void {
    this.pendingHeaders.delete(session.id);
    this.security?.onDisconnect(client(session));
  }

  tarpitDelay(session: SessionInfo, errors: number): number {
    return this.security?.tarpitDelay(client(session), errors) ?? 0;
  }

  async checkSender(session: SessionInfo): Promise<SmtpReply | null> {
    return (await this.security?.onSender(client(session))) ?? null;
  }

  private async mayRelay(session: SessionInfo): Promise<boolean> {
    if (session.authenticatedAs) return true;
    if (this.security) return this.security.isFriendly(session.remoteAddress);
    return this.relayNetworks.contains(session.remoteAddress);
  }

  async checkRecipient(session: SessionInfo, envelope: Envelope, address: string): Promise<SmtpReply | null> {
    const resolution = await this.directory.cachedResolve(address);
    if (resolution.kind === 'not-local') {
      const relayed = (await this.relay?.store.recipientVerdict(address)) ?? 'not-relay';
      if (relayed === 'unknown') return reply(550, '5.1.1', 'Recipient address rejected: user unknown');
      if (relayed === 'accept') return null;
      if (await this.mayRelay(session)) return null;
      return reply(550, '5.7.1', 'Relay access denied');
    }
    if (resolution.kind === 'unknown-user')
      return reply(550, '5.1.1', 'Recipient address rejected: user unknown');
    const size = envelope.declaredSize ?? 0;
    for (const account of resolution.accounts) {
      if (account.quotaBytes !== null && account.usedBytes + size > account.quotaBytes) {
        return reply(452, '4.2.2', 'Mailbox full, try again later');
      }
    }
    if (this.security) {
      const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      const verdict = await this.security.onLocalRecipient(
        client(session),
        envelope.mailFrom,
        address,
        domain,
      );
      if (verdict) return verdict;
    }
    return null;
  }

  async checkMessage(session: SessionInfo, envelope: Envelope, data: Buffer): Promise<SmtpReply | null> {
    this.pendingHeaders.delete(session.id);
    if (!this.security) return null;
    const recipients = envelope.recipients.map((r) => r.address);
    const recipientDomains = await Promise.all(
      recipients.map(async (address) => {
        const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
        return (await this.directory.cachedIsLocalDomain(domain)) ? domain : null;
      }),
    );
    const decision = await this.security.onMessage(client(session), {
      mailFrom: envelope.mailFrom,
      recipients,
      recipientDomains,
      data,
    });
    if (decision.reply) return decision.reply;
    this.pendingHeaders.set(session.id, decision.headers);
    return null;
  }

  async etrn(session: SessionInfo, argument: string): Promise<SmtpReply> {
    if (!this.relay) return reply(458, '4.3.0', 'Unable to queue messages: no relay domains here');
    return this.relay.handle(session, argument);
  }

  async authenticate(_session: SessionInfo, username: string, password: string): Promise<boolean> {
    return (await this.directory.authenticate(username, password)) !== null;
  }

  async accept(session: SessionInfo, envelope: Envelope, data: Buffer, queueId: string): Promise<void> {
    let message = data;
    if (this.security) {
      message = this.security.finalMessage(data, this.pendingHeaders.get(session.id) ?? '');
      this.pendingHeaders.delete(session.id);
    }
    await this.acceptor.accept({
      queueId,
      data: message,
      mailFrom: envelope.mailFrom,
      recipients: envelope.recipients,
      client: { address: session.remoteAddress, helo: session.helo ?? undefined },
      authenticatedAs: session.authenticatedAs ?? undefined,
      dsn: envelope.dsn,
    });
  }
}

function client(session: SessionInfo): ClientContext {
  return {
    sessionId: session.id,
    ip: session.remoteAddress,
    helo: session.helo,
    authenticatedAs: session.authenticatedAs,
    trusted: session.trusted,
  };
}
