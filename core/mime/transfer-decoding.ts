/**
 * Content-Transfer-Encoding decoders (RFC 2045 §6.7, §6.8). Lenient: malformed input is
 * decoded as far as it goes rather than rejected (SEARCH, JMAP body values and IMAP BINARY[]
 * all read through here, and a sender's mistake must not make a message unreadable).
 */

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

const isBlank = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x09;

/** Index just past the blanks starting at i. */
function skipBlanks(input: Buffer, i: number): number {
  while (i < input.length && isBlank(input[i])) i++;
  return i;
}

/** Length of the line break at i (CRLF or a bare LF), 0 when there is none. */
function lineBreakAt(input: Buffer, i: number): number {
  if (input[i] === 0x0a) return 1;
  if (input[i] === 0x0d && input[i + 1] === 0x0a) return 2;
  return 0;
}

export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.alloc(input.length);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i];
    if (isBlank(byte)) {
      // Rule 3: blanks at the end of an encoded line were added in transport; drop them.
      const j = skipBlanks(input, i);
      if (j === input.length || lineBreakAt(input, j) > 0) {
        i = j - 1;
        continue;
      }
      out[o++] = byte;
      continue;
    }
    if (byte !== 0x3d) {
      out[o++] = byte;
      continue;
    }
    // Soft line break: "=", optional blanks, then CRLF, LF or the end of the body (a part's
    // last line break belongs to the boundary that follows it).
    const j = skipBlanks(input, i + 1);
    const lineBreak = lineBreakAt(input, j);
    if (lineBreak > 0 || j === input.length) {
      i = j + lineBreak - 1;
      continue;
    }
    const hi = hexValue(input[i + 1] ?? -1);
    const lo = hexValue(input[i + 2] ?? -1);
    if (hi >= 0 && lo >= 0) {
      out[o++] = (hi << 4) | lo;
      i += 2;
    } else {
      out[o++] = byte; // a stray "=" is kept literally
    }
  }
  return out.subarray(0, o);
}

/** Decodes per the Content-Transfer-Encoding; identity and unknown encodings pass through. */
export function decodeTransferEncoding(body: Buffer, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      // Node's decoder skips line breaks and other characters outside the alphabet.
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}
