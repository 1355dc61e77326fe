/**
 * The form in which IMAP serves a message when it differs from the stored bytes:
 * - binary parts (RFC 3516 §4.2): Content-Transfer-Encoding "binary" can hold NULs and bare
 *   line breaks, which a plain IMAP literal must not carry; such parts are served base64-encoded
 *   (76-column lines, as Dovecot does when it stores them) with the header saying "base64";
 * - bare LF line ends (a message appended with Unix line ends) are served as CRLF.
 * The stored bytes stay as they came (JMAP and SEARCH read them); BINARY[] decodes the served
 * form, so a binary part still comes back byte for byte.
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

const LF = 0x0a;
const CR = 0x0d;

/** True when some LF is not preceded by CR (a message appended with Unix line ends). */
export function hasBareLf(raw: Buffer): boolean {
  for (let i = raw.indexOf(LF); i >= 0; i = raw.indexOf(LF, i + 1))
    if (i === 0 || raw[i - 1] !== CR) return true;
  return false;
}

/** `chunk` with every bare LF made CRLF; `before` is the byte served just before it (-1: none). */
function toCrlf(chunk: Buffer, before: number): Buffer {
  const out: Buffer[] = [];
  let from = 0;
  for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
    if ((i === 0 ? before : chunk[i - 1]) === CR) continue;
    out.push(chunk.subarray(from, i), Buffer.from([CR]));
    from = i;
  }
  if (out.length === 0) return chunk;
  out.push(chunk.subarray(from));
  return Buffer.concat(out);
}

/** Whether IMAP serves the message differently from how it is stored (see servedBytes). */
export function needsServedForm(raw: Buffer, structure: MessageStructure): boolean {
  return binaryParts(structure.body).length > 0 || hasBareLf(raw);
}

/**
 * The message as IMAP serves it: every binary part base64-encoded, every bare LF outside them
 * made CRLF (RFC 5322 lines end in CRLF; Dovecot serves such messages the same way). `raw`
 * itself when nothing changes.
 */
export function servedBytes(raw: Buffer, structure: MessageStructure): Buffer {
  if (!needsServedForm(raw, structure)) return raw;
  const chunks: Buffer[] = [];
  let last = -1;
  const add = (chunk: Buffer, lineEnds: boolean): void => {
    const out = lineEnds ? toCrlf(chunk, last) : chunk;
    if (out.length === 0) return;
    chunks.push(out);
    last = out[out.length - 1];
  };
  let pos = 0;
  for (const part of binaryParts(structure.body)) {
    add(raw.subarray(pos, part.headerStart), true);
    add(rewriteHeader(raw.subarray(part.headerStart, part.bodyStart)), true);
    add(base64Lines(raw.subarray(part.bodyStart, part.bodyEnd)), false);
    pos = part.bodyEnd;
  }
  add(raw.subarray(pos), true);
  return Buffer.concat(chunks);
}
