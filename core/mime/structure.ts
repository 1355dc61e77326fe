/**
 * parseMessageStructure: one pass over the raw message at delivery time, producing what
 * ENVELOPE, BODYSTRUCTURE, BODY and BODY[section] need, with byte offsets into the blob.
 */
import {
  defaultContentType,
  paramValue,
  parseContentType,
  parseDisposition,
  parseEncoding,
  parseLanguage,
  type ContentType,
} from './content-type';
import { needsServedForm, servedBytes } from './binary-convert';
import { buildEnvelope } from './envelope';
import { firstValue, readHeader } from './header-parser';
import { splitMultipart } from './multipart';
import { STRUCTURE_VERSION } from './types';
import type { BodyPart, ByteRange, HeaderField, MessageStructure, SinglePartFields } from './types';

// Dovecot's limits (mail_max_mime_parts, nesting depth): a hostile message must not blow
// the stack or produce a structure larger than the message is worth.
const MAX_DEPTH = 100;
const MAX_PARTS = 10000;

// A message/rfc822 body may only be 7bit, 8bit or binary (RFC 2046 §5.2.1); an encoded one
// cannot be cut out of the blob by range as a message, so it is described as opaque data.
const IDENTITY_ENCODINGS = new Set(['7bit', '8bit', 'binary']);

interface Context {
  raw: Buffer;
  parts: number;
}

interface Entity {
  part: BodyPart;
  fields: HeaderField[];
}

export function countLines(buf: Buffer, start: number, end: number): number {
  let lines = 0;
  for (let i = buf.indexOf(0x0a, start); i >= 0 && i < end; i = buf.indexOf(0x0a, i + 1)) lines++;
  return lines;
}

/**
 * Keeps at most room parts (at least one); as in Dovecot, whatever lies beyond the limit
 * becomes the body of the last kept part, so no byte of the message is lost.
 */
function capParts(ranges: ByteRange[], room: number): ByteRange[] {
  const keep = Math.max(1, room);
  if (ranges.length <= keep) return ranges;
  const merged = { start: ranges[keep - 1].start, end: ranges[ranges.length - 1].end };
  return [...ranges.slice(0, keep - 1), merged];
}

function opaque(ct: ContentType): ContentType {
  return { type: 'application', subtype: 'octet-stream', params: ct.params };
}

/**
 * Parses the entity (MIME header + body) at raw[start, end).
 * @param context default Content-Type: "message" for the children of multipart/digest
 */
function parseEntity(
  ctx: Context,
  start: number,
  end: number,
  context: 'text' | 'message',
  depth: number,
): Entity {
  ctx.parts++;
  const { raw } = ctx;
  const { fields, bodyStart } = readHeader(raw, start, end);
  const value = (name: string): string | null => firstValue(fields, name);
  const offsets = { headerStart: start, bodyStart, bodyEnd: end };
  const extension = {
    disposition: parseDisposition(value('content-disposition')),
    language: parseLanguage(value('content-language')),
    location: value('content-location'),
  };
  const encoding = parseEncoding(value('content-transfer-encoding'));
  const limited = depth >= MAX_DEPTH || ctx.parts >= MAX_PARTS;
  let ct = parseContentType(value('content-type'), context);
  let type = ct.type.toLowerCase();
  const subtype = ct.subtype.toLowerCase();

  if (type === 'multipart') {
    const boundary = limited ? null : paramValue(ct.params, 'boundary');
    const ranges = boundary
      ? capParts(splitMultipart(raw, bodyStart, end, boundary), MAX_PARTS - ctx.parts)
      : [];
    if (ranges.length > 0) {
      const childContext = subtype === 'digest' ? 'message' : 'text';
      const parts = ranges.map((r) => parseEntity(ctx, r.start, r.end, childContext, depth + 1).part);
      return {
        fields,
        part: {
          kind: 'multipart',
          type: ct.type,
          subtype: ct.subtype,
          params: ct.params,
          parts,
          ...offsets,
          ...extension,
        },
      };
    }
    // Without a usable boundary (none given, empty, or never found in the body) RFC 2045
    // §5.2's fallback applies: the body is one text/plain part, readable by the user.
    ct = limited ? opaque(ct) : defaultContentType('text');
    type = ct.type;
  }

  const single: SinglePartFields = {
    type: ct.type,
    subtype: ct.subtype,
    params: ct.params,
    id: value('content-id'),
    description: value('content-description'),
    encoding,
    size: end - bodyStart,
    md5: value('content-md5'),
    ...offsets,
    ...extension,
  };

  if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    if (limited || !IDENTITY_ENCODINGS.has(encoding.toLowerCase())) {
      const as = opaque(ct);
      return { fields, part: { kind: 'basic', ...single, type: as.type, subtype: as.subtype } };
    }
    const inner = parseEntity(ctx, bodyStart, end, 'text', depth + 1);
    const message = {
      headerStart: bodyStart,
      bodyStart: inner.part.bodyStart,
      bodyEnd: end,
      envelope: buildEnvelope(inner.fields),
      body: inner.part,
    };
    return { fields, part: { kind: 'message', ...single, lines: countLines(raw, bodyStart, end), message } };
  }
  if (type === 'text') {
    // RFC 2046 §4.1.2: a text part without charset is us-ascii; Dovecot states it explicitly.
    if (paramValue(ct.params, 'charset') === null) single.params = [...ct.params, ['charset', 'us-ascii']];
    return { fields, part: { kind: 'text', ...single, lines: countLines(raw, bodyStart, end) } };
  }
  return { fields, part: { kind: 'basic', ...single } };
}

export function parseMessageStructure(raw: Buffer): MessageStructure {
  return parseStructure(raw, true);
}

function parseStructure(raw: Buffer, convert: boolean): MessageStructure {
  const top = parseEntity({ raw, parts: 0 }, 0, raw.length, 'text', 0);
  const structure: MessageStructure = {
    version: STRUCTURE_VERSION,
    envelope: buildEnvelope(top.fields),
    body: top.part,
    headerSize: top.part.bodyStart,
    size: raw.length,
  };
  if (convert && needsServedForm(raw, structure))
    structure.converted = parseStructure(servedBytes(raw, structure), false);
  return structure;
}
