/**
 * The form in which IMAP serves a message when it differs from the stored bytes. Binary parts
 * (RFC 3516 §4.2): Content-Transfer-Encoding "binary" can hold NULs and bare line breaks, which
 * a plain IMAP literal must not carry; such parts are served base64-encoded (76-column lines,
 * as Dovecot does when it stores them) with the header saying "base64". The stored bytes stay
 * as they came (JMAP and SEARCH read them); BINARY[] decodes the served form, so a binary part
 * still comes back byte for byte. (Bare LF line ends are still served as stored.)
 */
import type { BodyPart, MessageStructure, SinglePartFields } from './types';

const LINE = 76;

/** Leaf parts whose transfer encoding is "binary", in message order (encapsulated ones too). */
export function binaryParts(body: BodyPart): SinglePartFields[] {
  const out: SinglePartFields[] = [];
  const walk = (part: BodyPart): void => {
    if (part.kind === 'multipart') part.parts.forEach(walk);
    else if (part.kind === 'message') walk(part.message.body);
    else if (part.encoding.trim().toLowerCase() === 'binary') out.push(part);
  };
  walk(body);
  return out;
}

/** Base64 in lines of 76 characters separated by CRLF, with no line break after the last. */
export function base64Lines(data: Buffer): Buffer {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += LINE) lines.push(text.slice(i, i + LINE));
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

const CTE_FIELD = /^content-transfer-encoding[ \t]*:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/gim;

/** The MIME header with "binary" in its Content-Transfer-Encoding replaced by "base64" (same length). */
function rewriteHeader(header: Buffer): Buffer {
  const text = header.toString('latin1');
  const rewritten = text.replace(CTE_FIELD, (field) => field.replace(/binary/i, 'base64'));
  return rewritten === text ? header : Buffer.from(rewritten, 'latin1');
}

/** Whether IMAP serves the message differently from how it is stored (see servedBytes). */
export function needsServedForm(structure: MessageStructure): boolean {
  return binaryParts(structure.body).length > 0;
}

/** The message as IMAP serves it: every binary part base64-encoded; `raw` itself when none. */
export function servedBytes(raw: Buffer, structure: MessageStructure): Buffer {
  const parts = binaryParts(structure.body);
  if (parts.length === 0) return raw;
  const chunks: Buffer[] = [];
  let pos = 0;
  for (const part of parts) {
    chunks.push(raw.subarray(pos, part.headerStart));
    chunks.push(rewriteHeader(raw.subarray(part.headerStart, part.bodyStart)));
    chunks.push(base64Lines(raw.subarray(part.bodyStart, part.bodyEnd)));
    pos = part.bodyEnd;
  }
  chunks.push(raw.subarray(pos));
  return Buffer.concat(chunks);
}
