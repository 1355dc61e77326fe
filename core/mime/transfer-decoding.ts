/**
 * Content-Transfer-Encoding decoders (RFC 2045 §6.7, §6.8). Lenient: malformed input is
 * decoded as far as it goes rather than rejected, since this only feeds SEARCH.
 */

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.alloc(input.length);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i];
    if (byte !== 0x3d) {
      out[o++] = byte;
      continue;
    }
    // Soft line break: "=" then optional trailing whitespace, then CRLF or LF.
    let j = i + 1;
    while (j < input.length && (input[j] === 0x20 || input[j] === 0x09)) j++;
    if (j < input.length && input[j] === 0x0d && input[j + 1] === 0x0a) {
      i = j + 1;
      continue;
    }
    if (j < input.length && input[j] === 0x0a) {
      i = j;
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
