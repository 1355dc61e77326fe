/**
 * IMAP modified UTF-7 (RFC 3501 §5.1.3 / RFC 9051 §5.1.3) for mailbox names. Printable ASCII
 * except "&" stands for itself, "&" is "&-", everything else is UTF-16 in modified base64
 * (with "," instead of "/") between "&" and "-".
 */
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';

export function encodeModifiedUtf7(text: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const bytes = Buffer.alloc(pending.length * 2);
    pending.forEach((unit, i) => bytes.writeUInt16BE(unit, i * 2));
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = [];
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += code === 0x26 ? '&-' : text[i];
    } else {
      pending.push(code);
    }
  }
  flush();
  return out;
}

/**
 * Decodes a modified UTF-7 name; null when it is not validly encoded. Strict, as Dovecot is: the
 * text must be exactly what encodeModifiedUtf7 makes of the result (so no shifted printable ASCII,
 * no adjacent shifted runs "&..-&..-", no non-zero padding bits, no partial UTF-16 unit), and the
 * UTF-16 must be well formed (no unpaired surrogate).
 */
export function decodeModifiedUtf7(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return null;
    if (c !== '&') {
      out += c;
      continue;
    }
    const end = text.indexOf('-', i + 1);
    if (end < 0) return null;
    const chunk = text.slice(i + 1, end);
    i = end;
    if (chunk === '') {
      out += '&';
      continue;
    }
    for (const ch of chunk) if (!B64.includes(ch)) return null;
    const bytes = Buffer.from(chunk.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0 || bytes.length === 0) return null;
    let decoded = '';
    for (let j = 0; j < bytes.length; j += 2) decoded += String.fromCharCode(bytes.readUInt16BE(j));
    out += decoded;
  }
  if (!isWellFormedUtf16(out) || encodeModifiedUtf7(out) !== text) return null;
  return out;
}

function isWellFormedUtf16(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
  }
  return true;
}
