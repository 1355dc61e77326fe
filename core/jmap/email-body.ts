/**
 * RFC 8621 §4.1.4 body parts from the stored MIME structure (core/mime): EmailBodyPart objects,
 * textBody/htmlBody/attachments, decoded body values and the preview.
 */
import { decode as decodeCharset } from 'libmime/lib/charset';
import { decodeHeaderValue, decodeTransferEncoding, parseAddressList } from '../mime';
import { paramValue } from '../mime/content-type';
import { stripHtml } from '../mime/text-extract';
import type { Address, BodyPart, MessageStructure } from '../mime';
import { blobIdOf } from './ids';

export interface EmailAddress {
  name: string | null;
  email: string;
}

export interface JmapBodyPart {
  partId: string | null;
  blobId: string | null;
  size: number;
  name: string | null;
  type: string;
  charset: string | null;
  disposition: string | null;
  cid: string | null;
  language: string[] | null;
  location: string | null;
  subParts?: JmapBodyPart[];
}

interface Leaf {
  part: BodyPart;
  path: number[];
  jmap: JmapBodyPart;
}

export function toEmailAddresses(list: Address[] | null): EmailAddress[] | null {
  if (!list) return null;
  const out: EmailAddress[] = [];
  for (const a of list) {
    if (a.host === null) continue; // group markers
    const name = a.name ? decodeHeaderValue(a.name) : null;
    out.push({ name: name || null, email: `${a.mailbox ?? ''}@${a.host}` });
  }
  return out;
}

export function parseAddressHeader(value: string | null): EmailAddress[] | null {
  return toEmailAddresses(parseAddressList(value));
}

export function messageIds(value: string | null | undefined): string[] | null {
  if (!value) return null;
  const ids = (value.match(/<[^<>\s]+>/g) ?? []).map((id) => id.slice(1, -1));
  return ids.length > 0 ? ids : null;
}

function mimeType(part: BodyPart): string {
  return `${part.type}/${part.subtype}`.toLowerCase();
}

function partName(part: BodyPart): string | null {
  if (part.kind === 'multipart') return null;
  const raw =
    (part.disposition ? paramValue(part.disposition.params, 'filename') : null) ??
    paramValue(part.params, 'name');
  return raw ? decodeHeaderValue(raw) : null;
}

/** The JMAP view of one part; `path` is its IMAP section number ([] → [1] for a single-part message). */
function describe(messageId: number, part: BodyPart, path: number[]): JmapBodyPart {
  const partId = path.length > 0 ? path.join('.') : '1';
  if (part.kind === 'multipart') {
    return {
      partId: null,
      blobId: null,
      size: 0,
      name: null,
      type: mimeType(part),
      charset: null,
      disposition: part.disposition?.type.toLowerCase() ?? null,
      cid: null,
      language: part.language,
      location: part.location,
      subParts: part.parts.map((child, i) => describe(messageId, child, [...path, i + 1])),
    };
  }
  const charset = paramValue(part.params, 'charset');
  return {
    partId,
    blobId: blobIdOf({ kind: 'message', messageId, part: path.length > 0 ? path : [1] }),
    size: part.size,
    name: partName(part),
    type: mimeType(part),
    charset: charset ?? (part.kind === 'text' ? 'us-ascii' : null),
    disposition: part.disposition?.type.toLowerCase() ?? null,
    cid: part.id ? part.id.replace(/^<|>$/g, '') : null,
    language: part.language,
    location: part.location,
  };
}

export function bodyStructure(messageId: number, structure: MessageStructure): JmapBodyPart {
  return describe(messageId, structure.body, []);
}

/** RFC 8621 §4.1.4's algorithm for textBody, htmlBody and attachments. */
export function bodyLists(
  messageId: number,
  structure: MessageStructure,
): { textBody: Leaf[]; htmlBody: Leaf[]; attachments: Leaf[] } {
  const textBody: Leaf[] = [];
  const htmlBody: Leaf[] = [];
  const attachments: Leaf[] = [];
  const isInline = (p: BodyPart) =>
    p.kind !== 'multipart' && p.disposition?.type.toLowerCase() !== 'attachment';
  const walk = (
    parts: { part: BodyPart; path: number[] }[],
    multipartType: string,
    inAlternative: boolean,
    html: Leaf[] | null,
    text: Leaf[] | null,
  ) => {
    const textLength = text ? text.length : -1;
    const htmlLength = html ? html.length : -1;
    parts.forEach(({ part, path }, i) => {
      const type = mimeType(part);
      const isMultipart = part.kind === 'multipart';
      if (isMultipart) {
        const sub = part.subtype.toLowerCase();
        walk(
          part.parts.map((child, j) => ({ part: child, path: [...path, j + 1] })),
          sub,
          inAlternative || sub === 'alternative',
          html,
          text,
        );
        return;
      }
      const leaf: Leaf = { part, path: path.length > 0 ? path : [1], jmap: describe(messageId, part, path) };
      const inlineMedia = /^(image|audio|video)\//.test(type);
      const isText = type === 'text/plain' || type === 'text/html';
      if (
        isInline(part) &&
        (isText || inlineMedia) &&
        (i === 0 || (multipartType !== 'related' && (inlineMedia || !partName(part))))
      ) {
        if (multipartType === 'alternative') {
          if (type === 'text/plain') text?.push(leaf);
          else if (type === 'text/html') html?.push(leaf);
          else {
            text?.push(leaf);
            html?.push(leaf);
            attachments.push(leaf);
          }
          return;
        }
        if (inAlternative) {
          if (type === 'text/plain') html = null;
          if (type === 'text/html') text = null;
        }
        text?.push(leaf);
        html?.push(leaf);
        if ((!text || !html) && inlineMedia) attachments.push(leaf);
      } else {
        attachments.push(leaf);
      }
    });
    if (multipartType === 'alternative' && text && html) {
      if (textLength === text.length && htmlLength !== html.length) text.push(...html.slice(htmlLength));
      if (htmlLength === html.length && textLength !== text.length) html.push(...text.slice(textLength));
    }
  };
  walk([{ part: structure.body, path: [] }], 'mixed', false, htmlBody, textBody);
  return { textBody, htmlBody, attachments };
}

/** The decoded text of a text part (charset conversion included). */
export function partText(raw: Buffer, part: BodyPart): string {
  if (part.kind === 'multipart') return '';
  const bytes = decodeTransferEncoding(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding);
  const charset = paramValue(part.params, 'charset') ?? 'us-ascii';
  try {
    return decodeCharset(bytes, charset);
  } catch {
    return bytes.toString('utf8');
  }
}

/** The decoded bytes of any leaf part (attachments' downloads). */
export function partBytes(raw: Buffer, part: BodyPart): Buffer {
  if (part.kind === 'multipart') return Buffer.alloc(0);
  return decodeTransferEncoding(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding);
}

/** The part at an IMAP section path ([1] is the body of a single-part message). */
export function partAt(structure: MessageStructure, path: number[]): BodyPart | null {
  let part: BodyPart = structure.body;
  if (part.kind !== 'multipart' && path.length === 1 && path[0] === 1) return part;
  for (const index of path) {
    if (part.kind === 'multipart') {
      const next: BodyPart | undefined = part.parts[index - 1];
      if (!next) return null;
      part = next;
    } else if (part.kind === 'message') {
      const inner: BodyPart = part.message.body;
      if (inner.kind === 'multipart') {
        const next: BodyPart | undefined = inner.parts[index - 1];
        if (!next) return null;
        part = next;
      } else if (index === 1) part = inner;
      else return null;
    } else return null;
  }
  return part;
}

export function makePreview(raw: Buffer, lists: { textBody: Leaf[]; htmlBody: Leaf[] }): string {
  const leaf = lists.textBody.find((l) => l.jmap.type.startsWith('text/')) ?? lists.htmlBody[0];
  if (!leaf) return '';
  let text = partText(raw, leaf.part);
  if (leaf.jmap.type === 'text/html') text = stripHtml(text);
  return text.replace(/\s+/g, ' ').trim().slice(0, 256);
}

export type { Leaf };
