import { createHash } from 'node:crypto';
import { parseContentType, paramValue, parseEncoding } from '../../mime/content-type';
import { fieldName, firstField, type HeaderBlock } from './header-block';

/**
 * Adds a plain-text footer without breaking MIME: a single text/plain part in 7bit/8bit with a
 * charset that can carry the footer gets it appended; a multipart/mixed gets one more text/plain
 * part before its close delimiter; anything else (multipart/alternative, multipart/signed or
 * encrypted, HTML, base64 text, attachments, message/rfc822) is wrapped whole in a new
 * multipart/mixed, so a signed part's bytes are never touched.
 */
export function addFooter(block: HeaderBlock, footer: string | null | undefined): HeaderBlock {
  const text = normalise(footer ?? '');
  if (!text) return block;
  const ascii = !/[^\x00-\x7f]/.test(text);
  const ct = parseContentType(firstField(block.fields, 'content-type'), 'text');
  const type = ct.type.toLowerCase();
  const subtype = ct.subtype.toLowerCase();
  const encoding = parseEncoding(firstField(block.fields, 'content-transfer-encoding')).toLowerCase();
  const plainEncoding = encoding === '7bit' || encoding === '8bit' || encoding === '';

  if (type === 'text' && subtype === 'plain' && plainEncoding) {
    const charset = (paramValue(ct.params, 'charset') ?? 'us-ascii').toLowerCase();
    const fits = ascii || charset === 'utf-8' || charset === 'utf8';
    // An 8-bit footer in a part declared 7bit would make it lie about its encoding.
    if (fits && (ascii || encoding === '8bit')) {
      return { fields: block.fields, body: Buffer.concat([withFinalCrlf(block.body), footerBytes(text)]) };
    }
  }
  if (type === 'multipart' && subtype === 'mixed') {
    const boundary = paramValue(ct.params, 'boundary');
    const at = boundary ? closeDelimiter(block.body, boundary) : -1;
    if (boundary && at >= 0) {
      const part = Buffer.from(`\r\n--${boundary}\r\n${partHeader(ascii)}\r\n`, 'latin1');
      return {
        fields: block.fields,
        body: Buffer.concat([block.body.subarray(0, at), part, footerBytes(text), block.body.subarray(at)]),
      };
    }
  }
  return wrapMixed(block, text, ascii);
}

/** Moves the entity's Content-* fields and body into the first part of a new multipart/mixed. */
function wrapMixed(block: HeaderBlock, text: string, ascii: boolean): HeaderBlock {
  const content = block.fields.filter((f) => fieldName(f).startsWith('content-'));
  const outer = block.fields.filter((f) => {
    const name = fieldName(f);
    return !name.startsWith('content-') && name !== 'mime-version';
  });
  const boundary = uniqueBoundary(block.body);
  const inner =
    content.length > 0
      ? content.map((f) => f + '\r\n').join('')
      : 'Content-Type: text/plain; charset=us-ascii\r\n';
  const body = Buffer.concat([
    Buffer.from(
      `This is a multi-part message in MIME format.\r\n\r\n--${boundary}\r\n${inner}\r\n`,
      'latin1',
    ),
    block.body,
    Buffer.from(`\r\n--${boundary}\r\n${partHeader(ascii)}\r\n`, 'latin1'),
    footerBytes(text),
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
  return {
    fields: [...outer, 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`],
    body,
  };
}

function partHeader(ascii: boolean): string {
  return ascii
    ? 'Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\nContent-Disposition: inline\r\n'
    : 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nContent-Disposition: inline\r\n';
}

/** The footer as CRLF lines, starting with the conventional "-- " separator line. */
function footerBytes(text: string): Buffer {
  return Buffer.from(`-- \r\n${text}\r\n`, 'utf8');
}

function normalise(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').slice(0, 900))
    .join('\r\n')
    .trim();
}

function withFinalCrlf(body: Buffer): Buffer {
  if (body.length === 0) return body;
  return body.subarray(body.length - 2).toString('latin1') === '\r\n'
    ? body
    : Buffer.concat([body, Buffer.from('\r\n')]);
}

/** Offset of the CRLF before the last "--boundary--" line, or -1. */
function closeDelimiter(body: Buffer, boundary: string): number {
  const marker = Buffer.from(`--${boundary}--`, 'latin1');
  let at = body.lastIndexOf(marker);
  while (at >= 0) {
    const lineStart = at === 0 || body[at - 1] === 0x0a;
    if (lineStart && at >= 2 && body[at - 2] === 0x0d) return at - 2;
    if (lineStart && at >= 1) return at - 1;
    at = at > 0 ? body.lastIndexOf(marker, at - 1) : -1;
  }
  return -1;
}

/** Derived from the body, not random: a retried distribution builds the same bytes (same blob). */
function uniqueBoundary(body: Buffer): string {
  const seed = createHash('sha256').update(body).digest('hex').slice(0, 24);
  for (let n = 0; ; n++) {
    const candidate = `=_nimbus-list-${seed}${n > 0 ? `-${n}` : ''}`;
    if (body.indexOf(candidate) < 0) return candidate;
  }
}
