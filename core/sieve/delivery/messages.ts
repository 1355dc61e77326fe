/**
 * The messages Sieve delivery writes itself: the rejection sent back for `reject` (RFC 5429
 * §2.1: an MDN, RFC 8098, with disposition "deleted") and the notice filed in the user's INBOX
 * when their filter could not run.
 */
import { randomBytes } from 'node:crypto';

const CRLF = '\r\n';

function encodeHeader(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean)
    ? clean
    : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

const base64 = (text: string) =>
  (
    Buffer.from(text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join(CRLF);
const date = () => new Date().toUTCString().replace('GMT', '+0000');
const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1) || 'localhost';

/** The header section of a message (without the blank line), for text/rfc822-headers. */
export function headerSection(message: Buffer): string {
  const end = message.indexOf('\r\n\r\n');
  return message.subarray(0, end < 0 ? message.length : end).toString('latin1');
}

/** The first value of a header field, unfolded, or null. */
function field(header: string, name: string): string | null {
  const match = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r\\n[ \\t].*)*)`, 'im').exec(header);
  return match ? match[1].replace(/\r\n[ \t]+/g, ' ').trim() : null;
}

export function rejectionMessage(input: {
  /** The account that rejected the message. */
  account: string;
  /** The envelope sender the MDN goes to. */
  to: string;
  reason: string;
  original: Buffer;
  hostname?: string;
}): Buffer {
  const header = headerSection(input.original);
  const boundary = `=_reject_${randomBytes(8).toString('hex')}`;
  const subject = field(header, 'subject');
  const messageId = field(header, 'message-id');
  const host = input.hostname ?? domainOf(input.account);
  const report = [
    `Reporting-UA: ${host}; Nimbus Sieve`,
    `Final-Recipient: rfc822; ${input.account}`,
    ...(messageId ? [`Original-Message-ID: ${messageId}`] : []),
    'Disposition: automatic-action/MDN-sent-automatically; deleted',
  ].join(CRLF);
  const lines = [
    `From: <MAILER-DAEMON@${domainOf(input.account)}>`,
    `To: <${input.to}>`,
    `Subject: ${encodeHeader(`Rejected: ${subject ?? '(no subject)'}`)}`,
    `Date: ${date()}`,
    `Message-ID: <${randomBytes(12).toString('hex')}.reject@${domainOf(input.account)}>`,
    ...(messageId ? [`In-Reply-To: ${messageId}`, `References: ${messageId}`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64(
      `Your message to ${input.account} was rejected by the recipient's mail filter:\r\n\r\n${input.reason}\r\n`,
    ),
    `--${boundary}`,
    'Content-Type: message/disposition-notification',
    '',
    report,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    header,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}

/** The notice for the user's INBOX; `about` is the header of the message that was filtered. */
export function filterNotice(input: { account: string; notice: string; original: Buffer }): Buffer {
  const header = headerSection(input.original);
  const subject = field(header, 'subject');
  const from = field(header, 'from');
  const text =
    `Your mail filter (Sieve) could not be applied to a message, so it was kept in your INBOX:\r\n\r\n` +
    `${input.notice}\r\n\r\n` +
    `Message: ${subject ?? '(no subject)'}${from ? ` from ${from}` : ''}\r\n`;
  const lines = [
    `From: Mail filter <MAILER-DAEMON@${domainOf(input.account)}>`,
    `To: <${input.account}>`,
    `Subject: ${encodeHeader(`Your filter failed: ${subject ?? '(no subject)'}`)}`,
    `Date: ${date()}`,
    `Message-ID: <${randomBytes(12).toString('hex')}.sieve@${domainOf(input.account)}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64(text),
    '',
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}
