/**
 * Reading the parts of a message for composing a reply or forward: its text and HTML bodies
 * (decoded, charset converted) and its attachments, by the JMAP rules of RFC 8621 §4.1.4
 * (core/jmap/email-body.ts bodyLists), so every protocol picks the same parts.
 */
import { bodyLists, partBytes, partText } from '../../jmap/email-body';
import { parseMessageStructure, type MessageStructure } from '../../mime';
import { stripHtml } from '../../mime/text-extract';

export interface Attachment {
  filename?: string;
  contentType: string;
  content: Buffer;
  cid?: string;
  inline: boolean;
}

export interface MessageParts {
  text: string | null;
  html: string | null;
  attachments: Attachment[];
}

/** CRLF line ends throughout (devices may send bare LF; SMTP needs CRLF). */
export function toCrlf(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  return /\r(?!\n)|(?<!\r)\n/.test(text) ? Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'latin1') : raw;
}

export function messageParts(
  raw: Buffer,
  structure: MessageStructure = parseMessageStructure(raw),
): MessageParts {
  const lists = bodyLists(0, structure);
  const first = (leaves: typeof lists.textBody, type: string) => leaves.find((l) => l.jmap.type === type);
  const text = first(lists.textBody, 'text/plain');
  const html = first(lists.htmlBody, 'text/html');
  return {
    text: text ? partText(raw, text.part) : null,
    html: html ? partText(raw, html.part) : null,
    attachments: lists.attachments.map((leaf) => ({
      filename: leaf.jmap.name ?? undefined,
      contentType: leaf.jmap.type,
      content: partBytes(raw, leaf.part),
      cid: leaf.jmap.cid ?? undefined,
      inline: leaf.jmap.disposition === 'inline' || Boolean(leaf.jmap.cid),
    })),
  };
}

/** Plain text of a message: its text part, or its HTML with tags removed (line breaks kept). */
export function plainText(parts: MessageParts): string {
  if (parts.text !== null) return parts.text;
  if (parts.html === null) return '';
  return stripHtml(parts.html.replace(/<br\s*\/?>|<\/(p|div|tr|li|h[1-6])>/gi, '\n'))
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => ESCAPES[c]);

/** HTML of a message: its HTML body's content (inside <body>), or its text escaped. */
export function htmlContent(parts: MessageParts): string {
  if (parts.html !== null) {
    const body = /<body[^>]*>([\s\S]*?)(<\/body>|$)/i.exec(parts.html);
    return body ? body[1] : parts.html;
  }
  return `<div style="white-space: pre-wrap">${escapeHtml(parts.text ?? '')}</div>`;
}
