import { randomBytes } from 'node:crypto';
import { decodeHeaderValue, findHeaderEnd, parseAddressList, parseHeaderFields } from '../mime';
import type { SqlDatabase } from '../ports/sql';
import type { MessageAcceptor } from './message-acceptor';
import type { AutomaticLimits } from '../outbound/automatic-limits';

/** What the responder needs to know about one delivered copy. */
export interface VacationInput {
  account: { id: number; address: string };
  /** The envelope recipient the copy was delivered for (an alias of the account, or its address). */
  recipient: string;
  /** The envelope sender (MAIL FROM); '' is the null sender. */
  mailFrom: string;
  /** The message as received, or at least its header (without the Return-Path/Delivered-To prefix). */
  body: Buffer;
}

interface VacationRow {
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
}

/** A Sieve vacation action (RFC 5230), as the delivery executor hands it over. */
export interface SieveVacationReply {
  subject?: string;
  from?: string;
  /** More addresses of the user (:addresses) that count as "addressed to me". */
  addresses: string[];
  /** `reason` is a MIME entity (:mime) rather than plain text. */
  mime: boolean;
  reason: string;
  seconds: number;
}

/** What one reply says, from either source (JMAP settings or a Sieve vacation action). */
interface ReplySettings {
  subject: string | null;
  text: string | null;
  html: string | null;
  entity?: string;
  from?: string;
  addresses?: string[];
  seconds: number;
}

/** Days between two replies to the same sender (RFC 5230 §4.1 default and minimum: 7). */
const REPLY_INTERVAL_DAYS = 7;
/** RFC 5230 §4.1 lets a site set a minimum: below a day is a flood, whatever the script says. */
const MIN_INTERVAL_SECONDS = 24 * 3600;

/**
 * Sends the JMAP VacationResponse (RFC 8621 §8) at delivery, with the loop and flood rules of
 * RFC 3834 and RFC 5230: never to the null sender or automatic mail (Auto-Submitted, Precedence,
 * list headers), only when the account is a visible recipient (To/Cc), at most once per sender
 * per 7 days. The reply has a null envelope sender, so nothing answers it in turn.
 * Best effort: a failure here never fails the delivery it follows.
 */
export class VacationResponder {
  constructor(
    private readonly db: SqlDatabase,
    /** Resolved at send time: the acceptor is created after the delivery side in the node. */
    private readonly acceptor: () => Pick<MessageAcceptor, 'accept'>,
  ) {}

  private automatic?: AutomaticLimits;

  /** Per-account hourly limit of auto-replies (core/outbound/automatic-limits.ts). */
  useAutomaticLimits(limits: AutomaticLimits): void {
    this.automatic = limits;
  }

  async afterDelivery(input: VacationInput): Promise<void> {
    await this.afterDeliveries([input]);
  }

  /** afterDelivery for a batch of copies: one query finds which of their accounts are away. */
  async afterDeliveries(inputs: VacationInput[]): Promise<void> {
    try {
      const candidates = inputs.filter((input) => mayReply(input));
      if (candidates.length === 0) return;
      const ids = [...new Set(candidates.map((input) => input.account.id))];
      const vacation = await this.db.query<VacationRow & { account_id: number }>(
        `SELECT account_id, subject, text_body, html_body FROM jmap_vacation
         WHERE account_id = ANY($1::bigint[]) AND is_enabled
           AND (from_date IS NULL OR from_date <= now()) AND (to_date IS NULL OR to_date > now())`,
        [ids],
      );
      if (vacation.rows.length === 0) return;
      const away = new Map(vacation.rows.map((row) => [Number(row.account_id), row]));
      for (const input of candidates) {
        const settings = away.get(input.account.id);
        if (!settings) continue;
        const reply = {
          subject: settings.subject,
          text: settings.text_body,
          html: settings.html_body,
          seconds: REPLY_INTERVAL_DAYS * 24 * 3600,
        };
        await this.respond(input, reply).catch(() => undefined);
      }
    } catch {
      // Best effort (see above): the message itself is delivered; no reply is better than a retry loop.
    }
  }

  /**
   * A reply a Sieve vacation action asked for (the delivery executor also compiles the JMAP
   * VacationResponse into one), under the same RFC 3834 checks and once-per-sender rule.
   */
  async fromSieve(input: VacationInput, action: SieveVacationReply): Promise<void> {
    try {
      if (!mayReply(input)) return;
      const reply: ReplySettings = action.mime
        ? {
            subject: action.subject ?? null,
            text: null,
            html: null,
            entity: action.reason,
            seconds: action.seconds,
          }
        : { subject: action.subject ?? null, text: action.reason, html: null, seconds: action.seconds };
      await this.respond(input, { ...reply, from: action.from, addresses: action.addresses });
    } catch {
      // Best effort, as afterDeliveries.
    }
  }

  /**
   * An automatic message (a Sieve reject's MDN) with the null envelope sender: nothing answers it.
   * Past the account's auto-reply limit it is not sent.
   */
  async sendAutomatic(data: Buffer, to: string, account?: string): Promise<void> {
    if (account && this.automatic && !(await this.automatic.admit('auto-reply', account))) return;
    await this.acceptor().accept({ data, mailFrom: '', recipients: [{ address: to }] });
  }

  private async respond(
    { account, recipient, mailFrom, body }: VacationInput,
    settings: ReplySettings,
  ): Promise<void> {
    const sender = mailFrom.trim().toLowerCase();
    const fields = parseHeaderFields(body.subarray(0, findHeaderEnd(body, 0, body.length)));
    const all = (name: string) =>
      fields.filter((f) => f.name.toLowerCase() === name).map((f) => f.value.trim());
    const first = (name: string) => all(name)[0] ?? null;
    const autoSubmitted = first('auto-submitted');
    if (autoSubmitted !== null && autoSubmitted.split(';')[0].trim().toLowerCase() !== 'no') return;
    if (/^(bulk|list|junk)$/i.test(first('precedence') ?? '')) return;
    if (first('list-id') !== null || first('list-unsubscribe') !== null) return;
    const mine = new Set(
      [account.address, recipient, ...(settings.addresses ?? [])].map((a) => a.trim().toLowerCase()),
    );
    const visible = [...all('to'), ...all('cc')]
      .flatMap((value) => parseAddressList(value) ?? [])
      .some((a) => a.mailbox && a.host && mine.has(`${a.mailbox}@${a.host}`.toLowerCase()));
    if (!visible) return;

    // Claim the reply slot for this sender (atomic across nodes and retried jobs).
    const claimed = await this.db.query(
      `INSERT INTO vacation_replies (account_id, sender) VALUES ($1, $2)
       ON CONFLICT (account_id, sender) DO UPDATE SET sent_at = now()
       WHERE vacation_replies.sent_at < now() - make_interval(secs => $3::float8)
       RETURNING 1`,
      [account.id, sender, Math.max(MIN_INTERVAL_SECONDS, settings.seconds)],
    );
    if (claimed.rows.length === 0) return;

    const originalSubject = first('subject');
    const subject =
      settings.subject ?? `Auto: ${originalSubject ? decodeHeaderValue(originalSubject) : ''}`.trim();
    const messageId = first('message-id');
    const references = [first('references'), messageId].filter((v): v is string => Boolean(v)).join(' ');
    // :from only as one of the user's own addresses: a script cannot send as someone else.
    const ownFrom = settings.from ? (parseAddressList(settings.from) ?? [])[0] : undefined;
    const fromAddress =
      ownFrom?.mailbox && ownFrom.host && mine.has(`${ownFrom.mailbox}@${ownFrom.host}`.toLowerCase())
        ? `${ownFrom.mailbox}@${ownFrom.host}`
        : account.address;
    const data = buildReply({
      from: fromAddress,
      to: mailFrom.trim(),
      subject,
      inReplyTo: messageId,
      references: references || null,
      text: settings.text,
      html: settings.html,
      entity: settings.entity,
    });
    try {
      // Past the account's hourly auto-reply limit: no reply, and the sender's slot is given back.
      if (this.automatic && !(await this.automatic.admit('auto-reply', account.address)))
        throw new Error('auto-reply limit reached');
      await this.acceptor().accept({ data, mailFrom: '', recipients: [{ address: mailFrom.trim() }] });
    } catch (error) {
      // Not sent: give the slot back so the next message from this sender can try again.
      await this.db
        .query(`DELETE FROM vacation_replies WHERE account_id = $1 AND sender = $2`, [account.id, sender])
        .catch(() => undefined);
      throw error;
    }
  }
}

/** The envelope checks that need no query: a real sender, not a robot, not the account itself. */
function mayReply({ account, mailFrom }: VacationInput): boolean {
  const sender = mailFrom.trim().toLowerCase();
  return (
    Boolean(sender) &&
    sender.includes('@') &&
    !isRobotSender(sender) &&
    sender !== account.address.toLowerCase()
  );
}

/** RFC 3834 §2 / RFC 5230 §4.6: system and list addresses get no reply. */
function isRobotSender(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf('@'));
  return (
    /^(mailer-daemon|postmaster|listserv|majordomo|mailman|no-?reply|do-?not-?reply)$/.test(local) ||
    local.startsWith('owner-') ||
    local.endsWith('-request') ||
    local.endsWith('-owner')
  );
}

/** An RFC 2047 encoded-word when the text is not plain ASCII. */
function encodeHeader(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean)
    ? clean
    : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

function base64Lines(text: string): string {
  return (
    Buffer.from(text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
}

function part(type: 'plain' | 'html', text: string): string {
  return (
    `Content-Type: text/${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
    `${base64Lines(text)}\r\n`
  );
}

export function buildReply(reply: {
  from: string;
  to: string;
  subject: string;
  inReplyTo: string | null;
  references: string | null;
  text: string | null;
  html: string | null;
  /** A complete MIME entity (its own Content-Type header, a blank line, the body). */
  entity?: string;
}): Buffer {
  const domain = reply.from.slice(reply.from.lastIndexOf('@') + 1) || 'localhost';
  const headers = [
    `From: <${reply.from}>`,
    `To: <${reply.to}>`,
    `Subject: ${encodeHeader(reply.subject)}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}.vacation@${domain}>`,
    ...(reply.inReplyTo ? [`In-Reply-To: ${reply.inReplyTo}`] : []),
    ...(reply.references ? [`References: ${reply.references}`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
  ];
  let content: string;
  if (reply.entity !== undefined) {
    const entity = reply.entity.replace(/\r?\n/g, '\r\n');
    const withHeader = /^[\w-]+:/.test(entity)
      ? entity
      : `Content-Type: text/plain; charset=utf-8\r\n\r\n${entity}`;
    return Buffer.from(`${headers.join('\r\n')}\r\n${withHeader}`, 'utf8');
  }
  if (reply.html !== null && reply.text !== null) {
    const boundary = `=_vacation_${randomBytes(8).toString('hex')}`;
    headers.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
    content =
      `\r\n--${boundary}\r\n${part('plain', reply.text)}` +
      `--${boundary}\r\n${part('html', reply.html)}--${boundary}--\r\n`;
    return Buffer.from(`${headers.join('\r\n')}\r\n${content}`, 'utf8');
  }
  content = reply.html !== null ? part('html', reply.html) : part('plain', reply.text ?? '');
  return Buffer.from(`${headers.join('\r\n')}\r\n${content}`, 'utf8');
}
