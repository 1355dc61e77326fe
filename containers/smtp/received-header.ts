import type { SpoolRecipient } from '../../core/ports/spool';
import type { SessionInfo } from './types';

/**
 * The trace header (RFC 5321 §4.4) with the real client address, and the protocol keyword of
 * RFC 3848 / RFC 6531 (ESMTP, ESMTPS, ESMTPSA, UTF8SMTPS …).
 */
export function buildReceivedHeader(input: {
  session: SessionInfo;
  hostname: string;
  queueId: string;
  recipients: SpoolRecipient[];
  utf8: boolean;
  esmtp: boolean;
}): Buffer {
  const { session } = input;
  let protocol = input.utf8 ? 'UTF8SMTP' : input.esmtp ? 'ESMTP' : 'SMTP';
  if (session.secure) protocol += 'S';
  if (session.authenticatedAs) protocol += 'A';
  const helo = (session.helo ?? 'unknown').replace(/[^\x21-\x7e]/g, '?');
  const ip = session.remoteAddress.includes(':') ? `IPv6:${session.remoteAddress}` : session.remoteAddress;
  // Only name a single recipient (naming many would leak Bcc recipients to each other).
  const forClause = input.recipients.length === 1 ? `\r\n\tfor <${input.recipients[0].address}>` : '';
  const header =
    `Received: from ${helo} ([${ip}])\r\n\tby ${input.hostname} (Nimbus) with ${protocol} id ${input.queueId}` +
    `${forClause};\r\n\t${rfc5322Date(new Date())}\r\n`;
  return Buffer.from(header, 'utf8');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function rfc5322Date(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}
