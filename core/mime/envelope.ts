/**
 * RFC 3501 §7.4.2 / RFC 9051 §7.5.2 ENVELOPE from a message's header fields.
 */
import { parseAddressList } from './address-list';
import { firstValue } from './header-parser';
import type { Envelope, HeaderField } from './types';

export function buildEnvelope(fields: HeaderField[]): Envelope {
  const value = (name: string): string | null => firstValue(fields, name);
  const from = parseAddressList(value('from'));
  return {
    date: value('date'),
    subject: value('subject'),
    from,
    // RFC 3501: the server fills Sender and Reply-To from From when they are absent.
    sender: parseAddressList(value('sender')) ?? from,
    replyTo: parseAddressList(value('reply-to')) ?? from,
    to: parseAddressList(value('to')),
    cc: parseAddressList(value('cc')),
    bcc: parseAddressList(value('bcc')),
    inReplyTo: value('in-reply-to'),
    messageId: value('message-id'),
  };
}
