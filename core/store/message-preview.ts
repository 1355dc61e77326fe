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
  // Control characters (a NUL from a broken encoding) have no place in a preview string; the
  // 256-unit cut may split a surrogate pair, and a lone half is not a character.
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '');
  return /[\uD800-\uDBFF]$/.test(clean) ? clean.slice(0, -1) : clean;
}
