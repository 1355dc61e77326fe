import type { Directory } from '../../core/directory/directory';
import type { MessageAcceptor } from '../../core/delivery/message-acceptor';
import { NetworkList } from '../net/ip-match';
import { reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SessionInfo, SmtpPolicy } from './types';

/**
 * The MX policy: accept mail for local recipients only (no open relay), unless the client is
 * authenticated or in a relay network. Unknown users are refused at RCPT, not bounced later.
 */
export class InboundPolicy implements SmtpPolicy {
  private readonly relayNetworks: NetworkList;

  constructor(
    private readonly directory: Directory,
    private readonly acceptor: MessageAcceptor,
    relayNetworks: readonly string[],
  ) {
    this.relayNetworks = new NetworkList(relayNetworks);
  }

  async checkSender(): Promise<SmtpReply | null> {
    return null;
  }

  async checkRecipient(session: SessionInfo, envelope: Envelope, address: string): Promise<SmtpReply | null> {
    const resolution = await this.directory.resolve(address);
    if (resolution.kind === 'not-local') {
      if (session.authenticatedAs || this.relayNetworks.contains(session.remoteAddress)) return null;
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
    return null;
  }

  async authenticate(_session: SessionInfo, username: string, password: string): Promise<boolean> {
    return (await this.directory.authenticate(username, password)) !== null;
  }

  async accept(session: SessionInfo, envelope: Envelope, data: Buffer, queueId: string): Promise<void> {
    await this.acceptor.accept({
      queueId,
      data,
      mailFrom: envelope.mailFrom,
      recipients: envelope.recipients,
      client: { address: session.remoteAddress, helo: session.helo ?? undefined },
      authenticatedAs: session.authenticatedAs ?? undefined,
      dsn: envelope.dsn,
    });
  }
}
