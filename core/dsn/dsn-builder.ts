import { randomBytes } from 'node:crypto';

/** One recipient's line in a delivery status notification (RFC 3464 §2.3). */
export interface DsnRecipient {
  /** The address we tried (Final-Recipient). */
  address: string;
  /** The ORCPT parameter as received ("rfc822;user@example.com"), if any. */
  orcpt?: string;
  action: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';
  /** Enhanced status code, e.g. 5.1.1. */
  status: string;
  /** The remote reply ("smtp; 550 5.1.1 …") or our explanation. */
  diagnostic?: string;
  remoteReply?: boolean;
  remoteMta?: string;
  lastAttempt?: Date;
  willRetryUntil?: Date;
}

export interface DsnInput {
  /** Our host name: Reporting-MTA and MAILER-DAEMON@hostname. */
  reportingMta: string;
  /** The envelope sender of the original message; the DSN goes there. Never '' (see shouldNotify). */
  to: string;
  envid?: string;
  ret?: 'FULL' | 'HDRS';
  arrivalDate: Date;
  recipients: DsnRecipient[];
  /** The original message (header + body). */
  original: Buffer;
  /** Above this size only the header is returned, whatever RET says. */
  maxReturnSize?: number;
  date?: Date;
}

/** Whether to send a DSN of this kind for one recipient (RFC 3461 NOTIFY), and never to <>. */
export function shouldNotify(
  mailFrom: string,
  notify: string[] | undefined,
  kind: 'failure' | 'delay' | 'success',
): boolean {
  if (mailFrom === '') return false;
  if (!notify || notify.length === 0) return kind !== 'success';
  return notify.includes(kind.toUpperCase());
}

const NAMES = {
  failed: 'failed',
  delayed: 'delayed',
  delivered: 'delivered',
  relayed: 'relayed',
  expanded: 'expanded',
};

/** Builds an RFC 3464 multipart/report; report-type=delivery-status message. */
export function buildDsn(input: DsnInput): Buffer {
  const boundary = `${Date.now().toString(36)}.${randomBytes(8).toString('hex')}/${input.reportingMta}`;
  const date = input.date ?? new Date();
  const delayed = input.recipients.every((r) => r.action === 'delayed');
  const subject = delayed ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender';
  const header = splitHeader(input.original);
  const headersOnly =
    input.ret === 'HDRS' || delayed || input.original.length > (input.maxReturnSize ?? 10 * 1024 * 1024);

  const human: string[] = [
    `This is the mail system at host ${input.reportingMta}.`,
    '',
    delayed
      ? 'Your message could not be delivered yet to the recipients below. It is still being retried;\r\nyou do not need to send it again.'
      : 'Your message could not be delivered to one or more recipients. It is attached below.',
    '',
  ];
  for (const r of input.recipients) {
    human.push(`<${r.address}>: ${r.diagnostic ?? r.status}`);
    if (r.willRetryUntil) human.push(`  (will keep trying until ${r.willRetryUntil.toUTCString()})`);
  }

  const perMessage = [`Reporting-MTA: dns; ${input.reportingMta}`];
  if (input.envid) perMessage.push(`Original-Envelope-Id: ${sanitize(input.envid)}`);
  perMessage.push(`Arrival-Date: ${input.arrivalDate.toUTCString().replace('GMT', '+0000')}`);
  const blocks = input.recipients.map((r) => {
    const lines: string[] = [];
    if (r.orcpt) lines.push(`Original-Recipient: ${formatOrcpt(r.orcpt)}`);
    lines.push(`Final-Recipient: rfc822; ${sanitize(r.address)}`);
    lines.push(`Action: ${NAMES[r.action]}`);
    lines.push(`Status: ${r.status}`);
    if (r.remoteMta) lines.push(`Remote-MTA: dns; ${sanitize(r.remoteMta)}`);
    if (r.diagnostic)
      lines.push(`Diagnostic-Code: ${r.remoteReply ? 'smtp' : 'x-nimbus'}; ${sanitize(r.diagnostic)}`);
    if (r.lastAttempt) lines.push(`Last-Attempt-Date: ${rfc2822(r.lastAttempt)}`);
    if (r.willRetryUntil) lines.push(`Will-Retry-Until: ${rfc2822(r.willRetryUntil)}`);
    return lines.join('\r\n');
  });

  const head = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${input.to}>`,
    `Subject: ${subject}`,
    `Date: ${rfc2822(date)}`,
    `Message-ID: <${Date.now().toString(36)}.${randomBytes(6).toString('hex')}@${input.reportingMta}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=utf-8',
    '',
    human.join('\r\n'),
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    [perMessage.join('\r\n'), ...blocks].join('\r\n\r\n'),
    '',
    `--${boundary}`,
    `Content-Description: ${headersOnly ? 'Undelivered Message Headers' : 'Undelivered Message'}`,
    `Content-Type: ${headersOnly ? 'text/rfc822-headers' : 'message/rfc822'}`,
    '',
    '',
  ].join('\r\n');
  const returned = headersOnly ? header : input.original;
  const tail = Buffer.from(
    `${returned.subarray(-2).toString() === '\r\n' ? '' : '\r\n'}\r\n--${boundary}--\r\n`,
  );
  return Buffer.concat([Buffer.from(head, 'utf8'), returned, tail]);
}

function splitHeader(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  return end < 0 ? message : message.subarray(0, end + 2);
}

/** "rfc822;user@x" → "rfc822; user@x"; a bare address is assumed to be rfc822. */
function formatOrcpt(orcpt: string): string {
  const index = orcpt.indexOf(';');
  if (index < 0) return `rfc822; ${sanitize(orcpt)}`;
  return `${sanitize(orcpt.slice(0, index).trim())}; ${sanitize(orcpt.slice(index + 1).trim())}`;
}

function sanitize(text: string): string {
  return text.replace(/[\r\n]+\s*/g, ' ').trim();
}

function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}
