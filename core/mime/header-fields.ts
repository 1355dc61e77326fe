/**
 * BODY[...HEADER.FIELDS (...)] and HEADER.FIELDS.NOT: the original field lines, in message
 * order, followed by the empty line that ends a header (RFC 3501 §6.4.5).
 */
import { parseHeaderFields } from './header-parser';

const CRLF = Buffer.from('\r\n');

/** IMAP sends CRLF line ends; a message stored with bare LF is converted in this output. */
function withCrlf(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  const ended = text.endsWith('\r\n') ? text : text + '\r\n';
  return Buffer.from(ended, 'latin1');
}

/**
 * @param headerBytes a header block, e.g. raw.subarray(section.header.start, section.header.end)
 * @param names field names, compared case-insensitively
 * @param exclude true for HEADER.FIELDS.NOT
 */
export function filterHeaderFields(headerBytes: Buffer, names: string[], exclude = false): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const lines = parseHeaderFields(headerBytes)
    .filter((f) => wanted.has(f.name.toLowerCase()) !== exclude)
    .map((f) => withCrlf(f.raw));
  return Buffer.concat([...lines, CRLF]);
}
