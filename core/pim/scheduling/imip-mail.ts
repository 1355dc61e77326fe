/**
 * iMIP (RFC 6047): an iTIP message as mail — multipart/alternative with a text/plain summary and
 * the text/calendar part carrying the method — and the text/calendar part read back from one.
 */
import { randomBytes } from 'node:crypto';
import { base64Lines, decodeTransferEncoding, parseMessageStructure, type BodyPart } from '../../mime';
import type { ItipMethod } from './itip';

export interface ImipMail {
  method: ItipMethod;
  from: string;
  to: string[];
  summary: string;
  itip: string;
  now: Date;
}

const SUBJECTS: Record<ItipMethod, string> = { REQUEST: 'Invitation', CANCEL: 'Cancelled', REPLY: 'Reply' };

function encodeHeader(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean)
    ? clean
    : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

/**
 * On the notice a local recipient gets of a message the server already applied (implicit.ts).
 * The MX strips every sender-supplied X-Nimbus-* field (core/security/control-headers.ts), so
 * only this server can set it.
 */
export const ITIP_APPLIED_HEADER = 'X-Nimbus-Itip-Applied';

export function markItipApplied(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${ITIP_APPLIED_HEADER}: yes\r\n`, 'latin1'), message]);
}

/** Whether the message's header section carries ITIP_APPLIED_HEADER. */
export function isItipApplied(message: Buffer): boolean {
  const end = message.indexOf('\r\n\r\n');
  const header = message.subarray(0, end < 0 ? message.length : end).toString('latin1');
  return new RegExp(`(^|\r\n)${ITIP_APPLIED_HEADER}:`, 'i').test(header);
}

export function buildImipMail(mail: ImipMail, replyStatus?: string): Buffer {
  const boundary = `=_nimbus_${randomBytes(12).toString('hex')}`;
  const domain = mail.from.slice(mail.from.lastIndexOf('@') + 1) || 'localhost';
  const title = mail.summary || '(no title)';
  const subject =
    mail.method === 'REPLY' ? `${replyStatus ?? 'Reply'}: ${title}` : `${SUBJECTS[mail.method]}: ${title}`;
  const text =
    mail.method === 'REQUEST'
      ? `${mail.from} invites you to "${title}".\r\nOpen the attached invitation in your calendar to answer.\r\n`
      : mail.method === 'CANCEL'
        ? `${mail.from} has cancelled "${title}".\r\n`
        : `${mail.from} has answered "${title}": ${replyStatus ?? ''}.\r\n`;
  const head = [
    `From: <${mail.from}>`,
    `To: ${mail.to.map((a) => `<${a}>`).join(', ')}`,
    `Subject: ${encodeHeader(subject)}`,
    `Date: ${mail.now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(16).toString('hex')}@${domain}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  const parts = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(text, 'utf8')).toString('latin1').trimEnd(),
    `--${boundary}`,
    `Content-Type: text/calendar; charset=UTF-8; method=${mail.method}`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(mail.itip, 'utf8')).toString('latin1').trimEnd(),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from([...head, '', ...parts].join('\r\n'), 'latin1');
}

export interface ReceivedItip {
  /** From: of the mail, lower case (null when absent). */
  from: string | null;
  itip: string;
}

function calendarParts(part: BodyPart, out: BodyPart[]): void {
  if (part.kind === 'multipart') for (const p of part.parts) calendarParts(p, out);
  else if (part.type.toLowerCase() === 'text' && part.subtype.toLowerCase() === 'calendar') out.push(part);
}

/** The first text/calendar part of a message, decoded, with the From address. */
export function itipFromMail(raw: Buffer): ReceivedItip | null {
  const structure = parseMessageStructure(raw);
  const parts: BodyPart[] = [];
  calendarParts(structure.body, parts);
  const part = parts[0];
  if (!part || part.kind === 'multipart') return null;
  const body = decodeTransferEncoding(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding);
  const from = structure.envelope.from?.[0];
  return {
    from: from?.mailbox && from.host ? `${from.mailbox}@${from.host}`.toLowerCase() : null,
    itip: body.toString('utf8'),
  };
}
