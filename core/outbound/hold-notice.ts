/**
 * Telling about a held account: an audit entry (actor "system:outbound", action "user.hold") and a
 * notice in the user's INBOX through the local delivery path (a job from the null sender to the
 * account; the delivery role stores it). The guard also logs the structured line
 * `event: outbound.account_held`.
 */
import type { Logger } from 'pino';
import type { SqlExecutor } from '../ports/sql';
import type { HoldNotifier } from './outbound-guard';

export interface NoticeAcceptor {
  accept(input: {
    data: Buffer;
    mailFrom: string;
    recipients: { address: string }[];
  }): Promise<{ queueId: string }>;
}

export class HoldNotice implements HoldNotifier {
  constructor(
    private readonly db: SqlExecutor,
    private readonly acceptor: NoticeAcceptor,
    private readonly hostname: string,
    private readonly log: Logger,
  ) {}

  async accountHeld(account: string, reason: string): Promise<void> {
    await this.db.query(
      `INSERT INTO admin_audit (actor, action, target, detail, outcome) VALUES ($1, $2, $3, $4::jsonb, $5)`,
      [
        'system:outbound',
        'user.hold',
        account,
        JSON.stringify({ op: 'user.hold', address: account, reason }),
        'ok',
      ],
    );
    await this.acceptor.accept({
      data: Buffer.from(noticeText(account, reason, this.hostname)),
      mailFrom: '',
      recipients: [{ address: account }],
    });
    this.log.info({ account }, 'held-account notice queued for the user');
  }
}

export function noticeText(account: string, reason: string, hostname: string): string {
  const date = new Date().toUTCString().replace('GMT', '+0000');
  return [
    `From: Mail System <postmaster@${hostname}>`,
    `To: <${account}>`,
    `Subject: Your outgoing mail is on hold`,
    `Date: ${date}`,
    `Message-ID: <hold.${Date.now()}.${Math.random().toString(36).slice(2)}@${hostname}>`,
    `Auto-Submitted: auto-generated`,
    `MIME-Version: 1.0`,
    `Content-Type: text/plain; charset=utf-8`,
    ``,
    `Mail you send from ${account} is being kept, not delivered, because of unusual activity:`,
    ``,
    `  ${reason.replace(/[\r\n]+/g, ' ')}`,
    ``,
    `If you did not send this mail, change your password now. Your administrator has been told`,
    `and can release or delete the kept messages.`,
    ``,
  ].join('\r\n');
}
