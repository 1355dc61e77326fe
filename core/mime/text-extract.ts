/**
 * Decoded text of a message for IMAP SEARCH (HEADER/FROM/SUBJECT..., BODY and TEXT), built
 * once at delivery so SEARCH never has to re-parse or re-decode the message.
 */
import { decode as decodeCharset } from 'libmime/lib/charset';
import { paramValue } from './content-type';
import { decodeHeaderValue } from './decode-header';
import { readHeader } from './header-parser';
import { decodeTransferEncoding } from './transfer-decoding';
import type { BodyPart, HeaderField, MessageStructure } from './types';

/**
 * Body text is capped at 256 KiB of characters: enough for any human-written text, while a
 * huge text attachment cannot bloat the search index row. Text beyond the cap is not
 * searchable by BODY/TEXT (a deliberate trade-off, like Dovecot FTS's size limits).
 */
export const BODY_TEXT_LIMIT = 256 * 1024;
// Raw bytes looked at per part: generous for markup-heavy HTML, bounded for giant parts.
const RAW_FACTOR = 8;

export interface SearchText {
  /** Top-level header fields, one "Name: decoded value" per line. */
  headers: string;
  /** Decoded text of all text/* parts, encapsulated messages' headers included. */
  body: string;
}

function headerText(fields: HeaderField[]): string {
  return fields.map((f) => `${f.name}: ${decodeHeaderValue(f.value)}`).join('\n');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Crude HTML to text: drops scripts, styles, comments and tags; decodes common entities. */
export function stripHtml(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (match, entity: string) => {
      const lower = entity.toLowerCase();
      if (lower.startsWith('#')) {
        const code = lower[1] === 'x' ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
      }
      return ENTITIES[lower] ?? match;
    });
}

function partText(raw: Buffer, part: BodyPart & { kind: 'text' }, budget: number): string {
  const end = Math.min(part.bodyEnd, part.bodyStart + budget * RAW_FACTOR);
  const bytes = decodeTransferEncoding(raw.subarray(part.bodyStart, end), part.encoding);
  const charset = paramValue(part.params, 'charset') ?? 'us-ascii';
  const text = decodeCharset(bytes, charset);
  return part.subtype.toLowerCase() === 'html' ? stripHtml(text) : text;
}

export function extractSearchText(raw: Buffer, structure: MessageStructure): SearchText {
  const top = readHeader(raw, 0, structure.body.bodyStart);
  const chunks: string[] = [];
  let length = 0;
  const add = (text: string): void => {
    const room = BODY_TEXT_LIMIT - length;
    if (room <= 0 || !text) return;
    const piece = text.length > room ? text.slice(0, room) : text;
    chunks.push(piece);
    length += piece.length + 1;
  };
  const walk = (part: BodyPart): void => {
    if (length >= BODY_TEXT_LIMIT) return;
    if (part.kind === 'multipart') {
      part.parts.forEach(walk);
    } else if (part.kind === 'message') {
      const inner = part.message;
      add(headerText(readHeader(raw, inner.headerStart, inner.bodyStart).fields));
      walk(inner.body);
    } else if (part.kind === 'text') {
      add(partText(raw, part, BODY_TEXT_LIMIT - length));
    }
  };
  walk(structure.body);
  return { headers: headerText(top.fields), body: chunks.join('\n') };
}
