/**
 * Mail the list itself writes (confirmations, command replies, moderator and owner notices):
 * built like the vacation reply (core/delivery/vacation-responder.ts) and handed to the acceptor
 * with the list's -bounces address as envelope sender, so nothing answers it back into the list.
 * Queue ids are derived from the job that caused the notice: a retried job sends it once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ListDeps } from './deps';
import type { MailingList } from './types';
import { listIdOf } from './list-id';
import { bouncesAddress } from './verp';

export interface Notice {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** RFC 3834: auto-replied answers a message, auto-generated is sent on our own account. */
  autoSubmitted: 'auto-replied' | 'auto-generated';
  replyTo?: string;
  inReplyTo?: string | null;
}

function encodeHeader(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean)
    ? clean
    : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

export function buildNotice(list: Pick<MailingList, 'address' | 'name'>, notice: Notice, now: Date): Buffer {
  const domain = list.address.slice(list.address.lastIndexOf('@') + 1);
  const headers = [
    `From: ${encodeHeader(list.name)} <${notice.from}>`,
    `To: ${notice.to.map((a) => `<${a}>`).join(', ')}`,
    `Subject: ${encodeHeader(notice.subject)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}.list@${domain}>`,
    ...(notice.inReplyTo ? [`In-Reply-To: ${notice.inReplyTo}`] : []),
    ...(notice.replyTo ? [`Reply-To: <${notice.replyTo}>`] : []),
    `Auto-Submitted: ${notice.autoSubmitted}`,
    `X-Loop: ${list.address.toLowerCase()}`,
    `List-Id: <${listIdOf(list.address)}>`,
    'Precedence: list',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
  ];
  const body = (
    Buffer.from(notice.text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}\r\n`, 'utf8');
}

/** A stable queue id for the notice `tag` caused by job `cause`. */
export function noticeQueueId(cause: string, tag: string): string {
  return `${cause}.L${createHash('sha256').update(tag).digest('hex').slice(0, 12).toUpperCase()}`;
}

export async function sendNotice(
  deps: Pick<ListDeps, 'acceptor' | 'now'>,
  list: Pick<MailingList, 'address' | 'name'>,
  notice: Notice,
  cause: { queueId: string; tag: string },
): Promise<void> {
  const recipients = [...new Set(notice.to.map((a) => a.trim()).filter((a) => a.includes('@')))];
  if (recipients.length === 0) return;
  await deps.acceptor.accept({
    data: buildNotice(list, { ...notice, to: recipients }, deps.now()),
    mailFrom: bouncesAddress(list.address),
    recipients: recipients.map((address) => ({ address })),
    queueId: noticeQueueId(cause.queueId, cause.tag),
  });
}
