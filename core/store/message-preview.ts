/**
 * The preview text of a message (IMAP PREVIEW, RFC 8970): exactly JMAP's Email `preview`, so
 * both protocols show the same words. At most 256 characters, whitespace collapsed, HTML as text.
 */
import { bodyLists, makePreview, type Leaf } from '../jmap/email-body';
import type { MessageStructure } from '../mime';

export function messagePreview(raw: Buffer, structure: MessageStructure): string {
  // Only text/* parts give words: an image alone in the body has no preview (Dovecot: "").
  const lists = bodyLists(0, structure);
  const textual = (leaves: Leaf[]): Leaf[] => leaves.filter((l) => l.jmap.type.startsWith('text/'));
  const text = makePreview(raw, { textBody: textual(lists.textBody), htmlBody: textual(lists.htmlBody) });
  // The 256-unit cut may split a surrogate pair; a lone half is not a character.
  return /[\uD800-\uDBFF]$/.test(text) ? text.slice(0, -1) : text;
}
