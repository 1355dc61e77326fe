/**
 * RFC 2046 §5.1.1 boundary delimiters: finds the byte ranges of the body parts of a
 * multipart body.
 */
import type { ByteRange } from './types';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const DASH = 0x2d;

interface Delimiter {
  /** First byte of the line break in front of "--boundary" (or of "--" on the first line). */
  lineStart: number;
  /** First byte after the delimiter line's own line break. */
  next: number;
  closing: boolean;
}

/**
 * Checks whether "--boundary" found at pos is a whole delimiter line. It must start a line
 * and may be followed by "--" (closing) and transport padding (spaces/tabs) only. Requiring
 * the rest of the line to be blank is what keeps "--abc" from matching an inner "--abc-1"
 * when one boundary is a prefix of another.
 */
function delimiterAt(
  buf: Buffer,
  pos: number,
  dashLen: number,
  start: number,
  end: number,
): Delimiter | null {
  if (pos > start && buf[pos - 1] !== LF) return null;
  let i = pos + dashLen;
  const closing = i + 1 < end && buf[i] === DASH && buf[i + 1] === DASH;
  if (closing) i += 2;
  while (i < end && (buf[i] === SP || buf[i] === HT)) i++;
  let next: number;
  if (i === end) next = end;
  else if (buf[i] === LF) next = i + 1;
  else if (buf[i] === CR && (i + 1 === end || buf[i + 1] === LF)) next = Math.min(i + 2, end);
  else return null;
  // The CRLF (or bare LF) before the delimiter is part of the delimiter, not of the part.
  let lineStart = pos;
  if (pos > start) {
    lineStart = pos - 1;
    if (lineStart > start && buf[lineStart - 1] === CR) lineStart--;
  }
  return { lineStart, next, closing };
}

/**
 * Returns the ranges (MIME header start to body end) of the parts between the delimiters
 * of boundary inside buf[start, end). The preamble and epilogue are skipped; a missing
 * closing delimiter makes the last part run to end. An empty list means no delimiter at all.
 */
export function splitMultipart(buf: Buffer, start: number, end: number, boundary: string): ByteRange[] {
  // Header text was read as UTF-8 where valid, so encoding back as UTF-8 restores the bytes.
  const dash = Buffer.from(`--${boundary}`);
  const parts: ByteRange[] = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const found = buf.indexOf(dash, pos);
    if (found < 0 || found + dash.length > end) break;
    const delimiter = delimiterAt(buf, found, dash.length, start, end);
    if (!delimiter) {
      pos = found + 1;
      continue;
    }
    if (partStart >= 0) parts.push({ start: partStart, end: Math.max(partStart, delimiter.lineStart) });
    if (delimiter.closing) return parts;
    partStart = delimiter.next;
    pos = delimiter.next;
  }
  if (partStart >= 0) parts.push({ start: partStart, end });
  return parts;
}
