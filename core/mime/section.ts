/**
 * RFC 3501 §6.4.5 section numbering: maps a part path to byte ranges of the raw message.
 */
import type { BodyPart, ByteRange, EntityOffsets, MessageStructure, ResolvedSection } from './types';

const range = (start: number, end: number): ByteRange => ({ start, end });

/**
 * Part n of a message: the n-th child if its body is multipart; otherwise the body itself
 * is part 1 (a non-multipart message has exactly one part).
 */
function childOfMessage(body: BodyPart, n: number): BodyPart | null {
  if (body.kind === 'multipart') return body.parts[n - 1] ?? null;
  return n === 1 ? body : null;
}

/** Part n inside a part: multipart children, or the parts of an encapsulated message. */
function childOfPart(part: BodyPart, n: number): BodyPart | null {
  if (part.kind === 'multipart') return part.parts[n - 1] ?? null;
  if (part.kind === 'message') return childOfMessage(part.message.body, n);
  return null;
}

function headerAndText(message: EntityOffsets): Pick<ResolvedSection, 'header' | 'text'> {
  return {
    header: range(message.headerStart, message.bodyStart),
    text: range(message.bodyStart, message.bodyEnd),
  };
}

/**
 * Resolves BODY[path...]. The empty path is the message itself: body is the whole message,
 * header/text its top-level header and text. For a part, body is the part's body
 * (for message/rfc822 that is the whole encapsulated message, for a multipart the raw
 * multipart body with its delimiters), mime its own MIME header, and header/text the
 * encapsulated message's header and text when the part is message/rfc822, else null.
 * Returns null for a path naming no part (including non-positive or fractional numbers).
 */
export function resolveSection(structure: MessageStructure, path: number[]): ResolvedSection | null {
  const top = structure.body;
  if (path.length === 0) {
    return {
      part: top,
      body: range(0, structure.size),
      mime: null,
      ...headerAndText({ headerStart: 0, bodyStart: top.bodyStart, bodyEnd: structure.size }),
    };
  }
  if (!path.every((n) => Number.isInteger(n) && n > 0)) return null;
  let part = childOfMessage(top, path[0]);
  for (const n of path.slice(1)) {
    if (!part) return null;
    part = childOfPart(part, n);
  }
  if (!part) return null;
  return {
    part,
    body: range(part.bodyStart, part.bodyEnd),
    mime: range(part.headerStart, part.bodyStart),
    ...(part.kind === 'message' ? headerAndText(part.message) : { header: null, text: null }),
  };
}
