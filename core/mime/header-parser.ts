/**
 * Header block scanning: where a header ends, and its fields with their raw bytes.
 */
import type { HeaderField } from './types';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** Where one field sits inside the scanned buffer. */
interface FieldSpan {
  start: number;
  end: number;
  nameEnd: number;
  colon: number;
}

interface HeaderScan {
  fields: FieldSpan[];
  /** First byte of the body: after the blank line, or where a non-header line starts. */
  bodyStart: number;
}

function lineEndAt(buf: Buffer, pos: number, end: number): number {
  const lf = buf.indexOf(LF, pos);
  return lf < 0 || lf >= end ? end : lf + 1;
}

/**
 * Returns the position of the colon if the line at pos is "field-name [WSP] :", else -1.
 * RFC 5322 field names are printable ASCII without colon; obsolete syntax allows
 * whitespace before the colon.
 */
function fieldColon(buf: Buffer, pos: number, lineEnd: number): { nameEnd: number; colon: number } | null {
  let i = pos;
  while (i < lineEnd && buf[i] > SP && buf[i] < 0x7f && buf[i] !== COLON) i++;
  if (i === pos) return null;
  const nameEnd = i;
  while (i < lineEnd && (buf[i] === SP || buf[i] === HT)) i++;
  return i < lineEnd && buf[i] === COLON ? { nameEnd, colon: i } : null;
}

/**
 * Scans a header block starting at start. The header ends at the first empty line (which
 * is part of the header), at end, or - when the blank separator is missing - at the first
 * line that is neither a field nor a continuation: that line is the start of the body, as
 * in a MIME part whose sender forgot the empty line after the delimiter.
 */
export function scanHeader(buf: Buffer, start: number, end: number): HeaderScan {
  const fields: FieldSpan[] = [];
  let pos = start;
  while (pos < end) {
    const lineEnd = lineEndAt(buf, pos, end);
    const first = buf[pos];
    if (first === LF || (first === CR && (pos + 1 === end || buf[pos + 1] === LF))) {
      return { fields, bodyStart: lineEnd };
    }
    if (first === SP || first === HT) {
      // A continuation; one before any field is stray folding and simply stays in the header.
      if (fields.length > 0) fields[fields.length - 1].end = lineEnd;
    } else {
      const at = fieldColon(buf, pos, lineEnd);
      if (!at) return { fields, bodyStart: pos };
      fields.push({ start: pos, end: lineEnd, nameEnd: at.nameEnd, colon: at.colon });
    }
    pos = lineEnd;
  }
  return { fields, bodyStart: end };
}

/** Position just after the header block that starts at start (see scanHeader). */
export function findHeaderEnd(buf: Buffer, start: number, end: number): number {
  return scanHeader(buf, start, end).bodyStart;
}

/**
 * Header bytes as text. Raw 8-bit headers are usually UTF-8 (RFC 6532); anything that is
 * not valid UTF-8 is read as Latin-1 so no byte is lost or replaced by U+FFFD.
 */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
export function bytesToText(buf: Buffer): string {
  for (const byte of buf) {
    if (byte >= 0x80) {
      try {
        return strictUtf8.decode(buf);
      } catch {
        return buf.toString('latin1');
      }
    }
  }
  return buf.toString('latin1');
}

/** RFC 5322 unfolding: line breaks inside a field are removed, the whitespace kept. */
export function unfold(value: string): string {
  return value.replace(/\r?\n|\r/g, '').trim();
}

/** Parses the fields of a header block; stops where scanHeader says the header ends. */
export function parseHeaderFields(headerBytes: Buffer): HeaderField[] {
  return readHeader(headerBytes, 0, headerBytes.length).fields;
}

/** Fields of the header block at buf[start, end) and where its body begins. */
export function readHeader(
  buf: Buffer,
  start: number,
  end: number,
): { fields: HeaderField[]; bodyStart: number } {
  const scan = scanHeader(buf, start, end);
  const fields = scan.fields.map((f) => ({
    name: buf.toString('latin1', f.start, f.nameEnd),
    value: unfold(bytesToText(buf.subarray(f.colon + 1, f.end))),
    raw: buf.subarray(f.start, f.end),
  }));
  return { fields, bodyStart: scan.bodyStart };
}

/** Value of the first field with this name (case-insensitive), or null. */
export function firstValue(fields: HeaderField[], name: string): string | null {
  const wanted = name.toLowerCase();
  const field = fields.find((f) => f.name.toLowerCase() === wanted);
  return field ? field.value : null;
}
