/**
 * RFC 5228 §2.4.2.4 encoded-character: "${hex: 40 41}" (UTF-8 octets) and
 * "${unicode: 263A}" in strings, decoded at compile time. A malformed sequence stays as
 * written; a code point outside Unicode scalar values is an error.
 */

const SEQUENCE = /\$\{(hex|unicode):([\s0-9A-Fa-f]*)\}/gi;

export function decodeEncodedCharacters(
  text: string,
): { ok: true; value: string } | { ok: false; message: string } {
  if (!text.includes('${')) return { ok: true, value: text };
  let error: string | null = null;
  const value = text.replace(SEQUENCE, (whole, kind: string, body: string) => {
    const items = body.trim() === '' ? [] : body.trim().split(/\s+/);
    if (kind.toLowerCase() === 'hex') {
      if (!items.every((h) => /^[0-9A-Fa-f]{2}$/.test(h))) return whole;
      return Buffer.from(items.join(''), 'hex').toString('utf8');
    }
    if (!items.every((h) => /^[0-9A-Fa-f]{1,6}$/.test(h.replace(/^0+(?=.)/, '')))) return whole;
    let out = '';
    for (const h of items) {
      const code = parseInt(h, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        error = `invalid unicode character ${h}`;
        return whole;
      }
      out += String.fromCodePoint(code);
    }
    return out;
  });
  return error === null ? { ok: true, value } : { ok: false, message: error };
}
