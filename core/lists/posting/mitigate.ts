import { decodeHeaderValue } from '../../mime/decode-header';
import { parseAddressList } from '../../mime/address-list';
import { fieldName, firstField, makeField, type HeaderBlock } from './header-block';
import { phrase } from './list-headers';
import type { PostingList } from './types';

export interface Author {
  address: string;
  domain: string;
  name: string | null;
}

/** The first mailbox of From:, or null when there is none we can use. */
export function authorOf(fields: string[]): Author | null {
  const from = parseAddressList(firstField(fields, 'from'));
  const first = from?.find((a) => a.mailbox && a.host && a.host !== 'MISSING_DOMAIN');
  if (!first?.mailbox || !first.host) return null;
  let name: string | null = null;
  if (first.name) {
    try {
      name = decodeHeaderValue(first.name);
    } catch {
      name = first.name;
    }
  }
  return { address: `${first.mailbox}@${first.host}`, domain: first.host.toLowerCase(), name };
}

/**
 * DMARC From munging (Mailman's dmarc_moderation_action = munge_from): From becomes
 * "Alice via List" <list@domain>, and Reply-To the author unless the post set one.
 */
export function mungeFrom(block: HeaderBlock, list: PostingList, author: Author): HeaderBlock {
  const display = `${author.name || author.address.split('@')[0]} via ${list.name}`;
  const hasReplyTo = block.fields.some((f) => fieldName(f) === 'reply-to');
  const fields = block.fields.map((f) =>
    fieldName(f) === 'from' ? makeField('From', `${phrase(display)} <${list.address}>`) : f,
  );
  if (!hasReplyTo) fields.push(makeField('Reply-To', formatAuthor(author)));
  return { fields, body: block.body };
}

/**
 * DMARC wrapping (dmarc_moderation_action = wrap_message): the post travels untouched as a
 * message/rfc822 part of a message from the list, which keeps the author's DKIM signature
 * verifiable inside. The outer message keeps Subject, To, Cc, Date, Message-ID and threading.
 */
export function wrapMessage(
  original: Buffer,
  block: HeaderBlock,
  list: PostingList,
  author: Author,
): HeaderBlock {
  const keep = new Set(['subject', 'to', 'cc', 'date', 'message-id', 'in-reply-to', 'references']);
  const fields = block.fields.filter((f) => keep.has(fieldName(f)));
  const hasReplyTo = block.fields.find((f) => fieldName(f) === 'reply-to');
  fields.unshift(makeField('From', `${phrase(list.name)} <${list.address}>`));
  fields.push(hasReplyTo ?? makeField('Reply-To', formatAuthor(author)));
  fields.push('MIME-Version: 1.0', 'Content-Type: message/rfc822', 'Content-Disposition: inline');
  return { fields, body: original };
}

function formatAuthor(author: Author): string {
  return author.name ? `${phrase(author.name)} <${author.address}>` : `<${author.address}>`;
}
